package projection_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
)

func ExampleNewRunner() {
	ctx := context.Background()
	store := memory.NewEventStore()
	for i, amount := range []int{30, 12} {
		e, _ := es.NewEnvelope(OrderPlaced{Amount: amount})
		_ = store.Append(ctx, fmt.Sprintf("order-%d", i+1), "Order", 0, []es.Envelope{e})
	}

	// The read model: total amount per order.
	var mu sync.Mutex
	totals := map[string]int{}
	view := projection.NewTyped("orders_view")
	projection.On(view, func(_ context.Context, e OrderPlaced, env es.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		totals[env.AggregateID] += e.Amount
		return nil
	})

	runner, err := projection.NewRunner(view, store,
		projection.WithCheckpoints(memory.NewCheckpointStore()),
		projection.WithPollInterval(10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := runner.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for {
		st, _ := runner.Status(ctx)
		if st.Lag == 0 && st.Position > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = runner.Stop(ctx)
	mu.Lock()
	fmt.Println(totals["order-1"], totals["order-2"])
	mu.Unlock()
	// Output: 30 12
}

// A whole Config at once, beside the options that give the stores: a zero field keeps its
// default, and a setting NewRunner refuses is a *ConfigError naming the field.
func ExampleWithConfig() {
	store := memory.NewEventStore()
	view := projection.FunctionProjection("orders_view", func(context.Context, es.Envelope) error { return nil })
	cfg := projection.Config{BatchSize: 500, StartFrom: projection.StartLatest, DeadLetterAfter: 3}
	_, err := projection.NewRunner(view, store, projection.WithConfig(cfg),
		projection.WithCheckpoints(memory.NewCheckpointStore()), projection.WithDeadLetters(memory.NewDeadLetterStore(), cfg.DeadLetterAfter))
	fmt.Println(err)

	cfg.LeaseTTL = time.Millisecond
	_, err = projection.NewRunner(view, store, projection.WithConfig(cfg), projection.WithDeadLetters(memory.NewDeadLetterStore(), 3))
	var ce *projection.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Field, "-", ce.Reason)
	}
	// Output:
	// <nil>
	// LeaseTTL - must be from 10ms to 24h0m0s, got 1ms
}
