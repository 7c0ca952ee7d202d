package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

func envelope(t *testing.T, event any) es.Envelope {
	t.Helper()
	e, err := es.NewEnvelope(event)
	require.NoError(t, err)
	e.GlobalPosition = 7
	return e
}

func TestTypedRoutesByEventType(t *testing.T) {
	ctx := context.Background()
	var placed []int
	var shipped []string
	var namedN []int
	tp := projection.NewTyped("orders_view")
	projection.On(tp, func(_ context.Context, e OrderPlaced, env es.Envelope) error {
		placed = append(placed, e.Amount)
		assert.Equal(t, "OrderPlaced", env.EventType)
		return nil
	})
	projection.On(tp, func(_ context.Context, e *OrderShipped, _ es.Envelope) error {
		shipped = append(shipped, e.Carrier)
		return nil
	})
	projection.On(tp, func(_ context.Context, e named, _ es.Envelope) error {
		namedN = append(namedN, e.N)
		return nil
	})
	require.NoError(t, tp.Err())
	assert.Equal(t, "orders_view", tp.Name())
	assert.True(t, tp.Handles("OrderPlaced"))
	assert.True(t, tp.Handles("order.named"), "the type's EventType method names it")
	assert.False(t, tp.Handles("OrderCancelled"))

	require.NoError(t, tp.Handle(ctx, envelope(t, OrderPlaced{Amount: 5})))
	require.NoError(t, tp.Handle(ctx, envelope(t, OrderShipped{Carrier: "dhl"})))
	require.NoError(t, tp.Handle(ctx, envelope(t, named{N: 3})))
	require.NoError(t, tp.Handle(ctx, envelope(t, struct{ X int }{1})), "events without a handler pass")
	assert.Equal(t, []int{5}, placed)
	assert.Equal(t, []string{"dhl"}, shipped)
	assert.Equal(t, []int{3}, namedN)

	boom := errors.New("boom")
	failing := projection.NewTyped("failing")
	projection.On(failing, func(context.Context, OrderPlaced, es.Envelope) error { return boom })
	assert.ErrorIs(t, failing.Handle(ctx, envelope(t, OrderPlaced{})), boom, "a handler's error is returned as is")
}

func TestTypedDecodeFailureIsAnError(t *testing.T) {
	tp := projection.NewTyped("orders_view")
	called := false
	projection.On(tp, func(context.Context, OrderPlaced, es.Envelope) error { called = true; return nil })
	e := envelope(t, OrderPlaced{})
	e.Payload = json.RawMessage(`{"amount":"not a number"}`)
	err := tp.Handle(context.Background(), e)
	require.ErrorIs(t, err, es.ErrDecode)
	var typeErr *json.UnmarshalTypeError
	require.ErrorAs(t, err, &typeErr, "the decoder's own error is wrapped too")
	assert.Equal(t, "amount", typeErr.Field)
	assert.Contains(t, err.Error(), e.EventID)
	assert.Contains(t, err.Error(), "position 7")
	assert.False(t, called)
}

func TestTypedMistakes(t *testing.T) {
	dup := projection.NewTyped("dup")
	projection.On(dup, func(context.Context, OrderPlaced, es.Envelope) error { return nil })
	projection.On(dup, func(context.Context, *OrderPlaced, es.Envelope) error { return nil })
	require.ErrorIs(t, dup.Err(), es.ErrInvalidHandler)
	assert.Contains(t, dup.Err().Error(), `two handlers for event type "OrderPlaced"`)

	iface := projection.NewTyped("iface")
	projection.On(iface, func(context.Context, any, es.Envelope) error { return nil })
	require.ErrorIs(t, iface.Err(), es.ErrInvalidHandler)
	assert.Contains(t, iface.Err().Error(), "concrete type")

	nilFn := projection.NewTyped("nil")
	projection.On[OrderPlaced](nilFn, nil)
	require.ErrorIs(t, nilFn.Err(), es.ErrInvalidHandler)

	anon := projection.NewTyped("anon")
	projection.On(anon, func(context.Context, struct{ A int }, es.Envelope) error { return nil })
	require.ErrorIs(t, anon.Err(), es.ErrInvalidHandler)
	assert.Contains(t, anon.Err().Error(), "no event type name")

	for _, tp := range []*projection.Typed{dup, iface, nilFn, anon} {
		_, err := projection.NewRunner(tp, memory.NewEventStore())
		require.ErrorIs(t, err, es.ErrInvalidHandler, "NewRunner refuses %s", tp.Name())
		assert.ErrorIs(t, tp.Handle(context.Background(), envelope(t, OrderPlaced{})), es.ErrInvalidHandler)
	}
	projection.On(nil, func(context.Context, OrderPlaced, es.Envelope) error { return nil }) // no panic
}

func TestTypedStopsTheRunnerAtAnUndecodableEvent(t *testing.T) {
	store := memory.NewEventStore()
	place(t, store, "o-1", 0, 2)
	bad := envelope(t, OrderPlaced{})
	bad.Payload = json.RawMessage(`{"amount":[]}`)
	require.NoError(t, store.Append(context.Background(), "o-1", "Order", 2, []es.Envelope{bad}))
	place(t, store, "o-1", 3, 2)
	var seen []int
	tp := projection.NewTyped("orders_view")
	projection.On(tp, func(_ context.Context, e OrderPlaced, _ es.Envelope) error { seen = append(seen, e.Amount); return nil })
	logs := testkit.NewLogRecorder()
	r := newRunner(t, tp, store, fast(logs)...)
	require.NoError(t, r.Start(context.Background()))
	eventually(t, "the decode failure to be retried", func() bool { return status(t, r).Attempts >= 3 })
	require.NoError(t, r.Stop(context.Background()))
	st := status(t, r)
	assert.Equal(t, []int{1, 2}, seen, "the events after the bad one wait")
	assert.Equal(t, int64(2), st.Position)
	assert.Equal(t, int64(3), st.FailingPosition)
	require.ErrorIs(t, st.LastError, es.ErrDecode)
}
