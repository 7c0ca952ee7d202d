package projection_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/testkit"
)

type OrderPlaced struct {
	Amount int `json:"amount"`
}

type OrderShipped struct {
	Carrier string `json:"carrier"`
}

type named struct {
	N int `json:"n"`
}

func (named) EventType() string { return "order.named" }

// place appends n OrderPlaced events to aggregate id after version from.
func place(t *testing.T, s es.EventStore, id string, from, n int) {
	t.Helper()
	evs := make([]es.Envelope, n)
	for i := range evs {
		e, err := es.NewEnvelope(OrderPlaced{Amount: from + i + 1})
		require.NoError(t, err)
		evs[i] = e
	}
	require.NoError(t, s.Append(context.Background(), id, "Order", int64(from), evs))
}

// calls records handler calls.
type calls struct {
	mu    sync.Mutex
	order []string
	count map[string]int
}

func (c *calls) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = map[string]int{}
	}
	c.order = append(c.order, id)
	c.count[id]++
}

func (c *calls) of(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[id]
}

func (c *calls) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.order)
}

func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

// fast are options that keep tests short.
func fast(logs *testkit.LogRecorder) []projection.Option {
	return []projection.Option{
		projection.WithPollInterval(20 * time.Millisecond),
		projection.WithRetry(time.Millisecond, 10*time.Millisecond),
		projection.WithLogger(logs.Logger()),
	}
}

func newRunner(t *testing.T, p projection.Projection, s es.EventStore, opts ...projection.Option) *projection.Runner {
	t.Helper()
	r, err := projection.NewRunner(p, s, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func status(t *testing.T, r *projection.Runner) projection.Status {
	t.Helper()
	st, err := r.Status(context.Background())
	require.NoError(t, err)
	return st
}

func readAll(t *testing.T, s es.EventStore) []es.Envelope {
	t.Helper()
	out, err := s.ReadAll(context.Background(), 0, 1<<20)
	require.NoError(t, err)
	return out
}

// hidden wraps a store without Unwrap: the runner cannot see what it is.
type hidden struct{ es.EventStore }
