package eventsourcing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

func TestEventTypeOf(t *testing.T) {
	assert.Equal(t, "OrderPlaced", es.EventTypeOf(OrderPlaced{}))
	assert.Equal(t, "OrderPlaced", es.EventTypeOf(&OrderPlaced{}))
	assert.Equal(t, "account.opened", es.EventTypeOf(Opened{}))
	assert.Equal(t, "account.opened", es.EventTypeOf(&Opened{}))
	assert.Equal(t, "", es.EventTypeOf(nil))
}

func TestWhenHandlerAndMethodFallback(t *testing.T) {
	o := NewOrder()
	require.NoError(t, o.Apply(OrderPlaced{OrderID: "o-1", Amount: 99}))
	assert.Equal(t, 99, o.Amount, "When handler")
	require.NoError(t, o.Apply(OrderShipped{Carrier: "ups"}))
	assert.True(t, o.Shipped, "On<EventType> method")
	assert.Equal(t, int64(2), o.Version, "the version moves after each event, on both paths")
	assert.Len(t, o.PendingEvents(), 2)
}

func TestWhenWinsOverMethod(t *testing.T) {
	o := NewOrder()
	called := false
	es.When(o, func(OrderShipped) { called = true })
	require.NoError(t, o.Apply(OrderShipped{}))
	assert.True(t, called)
	assert.False(t, o.Shipped, "the When handler is tried first; the method is not called")
}

func TestNoHandlerFailsLoudly(t *testing.T) {
	type Unknown struct{}
	o := NewOrder()
	err := o.Apply(Unknown{})
	require.ErrorIs(t, err, es.ErrNoHandler)
	var he *es.EventHandlerError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "Unknown", he.EventType)
	assert.Equal(t, "Order", he.AggregateType)
	assert.Contains(t, err.Error(), "OnUnknown")
	assert.Zero(t, o.Version, "a failed dispatch does not move the version")
	assert.Empty(t, o.PendingEvents(), "a failed dispatch queues nothing")
}

func TestUnboundRootSaysToCallInit(t *testing.T) {
	a := &Account{} // built without es.Init
	err := a.Apply(Opened{Owner: "ann"})
	require.ErrorIs(t, err, es.ErrNoHandler)
	assert.Contains(t, err.Error(), "es.Init")
	b := NewAccount()
	require.NoError(t, b.Apply(Opened{Owner: "ann"}))
	assert.Equal(t, "ann", b.Owner, "account.opened reaches OnOpened(Opened) through EventTypeOf")
}

func TestHandlerErrorIsNotQueued(t *testing.T) {
	o := NewOrder()
	require.NoError(t, o.Apply(OrderShipped{}))
	err := o.Apply(OrderCancelled{Reason: "late"})
	require.ErrorIs(t, err, errAlreadyShipped)
	var he *es.EventHandlerError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "OrderCancelled", he.EventType)
	assert.Equal(t, int64(1), o.Version)
	assert.Len(t, o.PendingEvents(), 1)
}

func TestApplyNil(t *testing.T) {
	o := NewOrder()
	assert.ErrorIs(t, o.Apply(nil), es.ErrInvalidArgument)
	assert.ErrorIs(t, o.Apply((*OrderPlaced)(nil)), es.ErrInvalidArgument)
}

func TestApplyPointerEvent(t *testing.T) {
	o := NewOrder()
	require.NoError(t, o.Apply(&OrderPlaced{Amount: 5}))
	assert.Equal(t, 5, o.Amount)
}

func TestPendingEventsIsACopyAndMarkCommittedKeepsVersion(t *testing.T) {
	o := NewOrder()
	require.NoError(t, o.Apply(OrderPlaced{Amount: 1}))
	p := o.PendingEvents()
	p[0] = "tampered"
	assert.Equal(t, OrderPlaced{Amount: 1}, o.PendingEvents()[0])
	o.MarkCommitted()
	assert.Empty(t, o.PendingEvents())
	assert.Equal(t, int64(1), o.Version)
}

func TestReplayDecodesIntoTheHandlersType(t *testing.T) {
	o := NewOrder()
	env, err := es.NewEnvelope(ItemAdded{Item: Item{SKU: "a-1", Price: 2.5}, Count: 2})
	require.NoError(t, err)
	require.NoError(t, o.Replay(env))
	assert.Equal(t, []Item{{SKU: "a-1", Price: 2.5}, {SKU: "a-1", Price: 2.5}}, o.Items, "nested values come back typed")
	assert.Equal(t, int64(1), o.Version)
	assert.Empty(t, o.PendingEvents(), "replay queues nothing")

	bad := env
	bad.Payload = []byte(`{"count":"two"}`)
	err = o.Replay(bad)
	require.ErrorIs(t, err, es.ErrDecode)
	assert.Equal(t, int64(1), o.Version)
}

func TestReplayUnknownType(t *testing.T) {
	o := NewOrder()
	err := o.Replay(es.Envelope{EventType: "Mystery", Payload: []byte(`{}`)})
	require.True(t, errors.Is(err, es.ErrNoHandler))
}

type innerRoot struct {
	es.AggregateRoot
}

type deepAggregate struct {
	innerRoot
}

type rootViaPointer struct {
	*es.AggregateRoot
}

func TestRootOf(t *testing.T) {
	d := &deepAggregate{}
	d.ID = "d"
	require.Same(t, &d.AggregateRoot, storekit.RootOf(d))
	assert.Equal(t, "d", storekit.RootOf(d).ID)
	p := &rootViaPointer{AggregateRoot: &es.AggregateRoot{}}
	require.Same(t, p.AggregateRoot, storekit.RootOf(p))
	require.Nil(t, storekit.RootOf(&rootViaPointer{}), "an embedded nil root")
	require.Nil(t, storekit.RootOf(nil))
	require.Nil(t, storekit.RootOf((*deepAggregate)(nil)), "a typed nil pointer")
	require.Nil(t, storekit.RootOf((*rootViaPointer)(nil)), "a typed nil pointer to an aggregate embedding a pointer")
	v := viaInnerPointer{innerRoot: &innerRoot{}}
	require.Same(t, &v.AggregateRoot, storekit.RootOf(v), "a value aggregate, its root behind a pointer to an unexported struct")
	require.Nil(t, storekit.RootOf(viaInnerPointer{}), "a nil pointer on the way")
	n := &besideNamesake{}
	require.Same(t, &n.realRoot.AggregateRoot, storekit.RootOf(n), "another type named AggregateRoot at the same depth")
}

// AggregateRoot is a type of the test's own with the root's name.
type AggregateRoot struct{ Name string }

// namesake embeds the test's AggregateRoot.
type namesake struct{ AggregateRoot }

// realRoot embeds the real root.
type realRoot struct{ es.AggregateRoot }

// besideNamesake holds the real root and the test's type of the same name at the same depth,
// where a selector of the name is ambiguous but the root's methods are not.
type besideNamesake struct {
	realRoot
	namesake
}

// viaInnerPointer is an aggregate as a value: its root is reached through an embedded pointer.
type viaInnerPointer struct {
	*innerRoot
}

type Wrapped[T any] struct{ Inner T }

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Generic event types are named without the package paths of their type arguments. Before the
// fix EventTypeOf(Wrapped[Incremented]{}) was
// "Wrapped[github.com/gofly/eventsourcing/eventsourcing_test.Incremented]".
func TestEventTypeOfGenericType(t *testing.T) {
	assert.Equal(t, "Wrapped[Incremented]", es.EventTypeOf(Wrapped[Incremented]{}))
	assert.Equal(t, "Wrapped[Incremented]", es.EventTypeOf(&Wrapped[Incremented]{}))
	assert.Equal(t, "Wrapped[int]", es.EventTypeOf(Wrapped[int]{}))
	assert.Equal(t, "Wrapped[Wrapped[*Incremented]]", es.EventTypeOf(Wrapped[Wrapped[*Incremented]]{}))
	assert.Equal(t, "Pair[string,[]Incremented]", es.EventTypeOf(Pair[string, []Incremented]{}))
	assert.Equal(t, "Wrapped[map[Opened]Time]", es.EventTypeOf(Wrapped[map[Opened]time.Time]{}))
	assert.Equal(t, "Wrapped[func(Opened) error]", es.EventTypeOf(Wrapped[func(Opened) error]{}))
	assert.Equal(t, `Wrapped[struct { A Opened "json:\"a.b\"" }]`, es.EventTypeOf(Wrapped[struct {
		A Opened `json:"a.b"`
	}]{}))
}
