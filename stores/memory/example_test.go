package memory_test

import (
	"context"
	"errors"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Events of the examples: plain structs that survive a JSON round trip.
type (
	OrderPlaced  struct{ Amount int }
	OrderShipped struct{ Carrier string }
)

// envelopes wraps each event with es.NewEnvelope.
func envelopes(events ...any) []es.Envelope {
	out := make([]es.Envelope, 0, len(events))
	for _, e := range events {
		env, err := es.NewEnvelope(e)
		if err != nil {
			panic(err)
		}
		out = append(out, env)
	}
	return out
}

// ExampleNewEventStore appends the events of two aggregates, loads one aggregate back and reads
// the global stream, on which the memory store numbers events 1, 2, 3… in commit order.
func ExampleNewEventStore() {
	ctx := context.Background()
	store := memory.NewEventStore()

	// Expected version 0: both aggregates are new.
	first := envelopes(OrderPlaced{Amount: 99}, OrderShipped{Carrier: "DHL"})
	if err := store.Append(ctx, "order-1", "Order", 0, first); err != nil {
		panic(err)
	}
	if err := store.Append(ctx, "order-2", "Order", 0, envelopes(OrderPlaced{Amount: 5})); err != nil {
		panic(err)
	}

	events, err := store.Load(ctx, "order-1", 0) // every event after sequence 0
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Printf("load %s: sequence %d, %s\n", e.AggregateID, e.Sequence, e.EventType)
	}

	all, err := store.ReadAll(ctx, 0, 100) // the first 100 events after position 0
	if err != nil {
		panic(err)
	}
	for _, e := range all {
		fmt.Printf("position %d: %s sequence %d, %s\n", e.GlobalPosition, e.AggregateID, e.Sequence, e.EventType)
	}
	// Output:
	// load order-1: sequence 1, OrderPlaced
	// load order-1: sequence 2, OrderShipped
	// position 1: order-1 sequence 1, OrderPlaced
	// position 2: order-1 sequence 2, OrderShipped
	// position 3: order-2 sequence 1, OrderPlaced
}

// ExampleEventStore_Append shows optimistic concurrency: an append whose expected version is
// stale fails with a *es.ConcurrencyError and writes nothing; the writer reads the current
// version and tries again.
func ExampleEventStore_Append() {
	ctx := context.Background()
	store := memory.NewEventStore()
	if err := store.Append(ctx, "order-1", "Order", 0, envelopes(OrderPlaced{Amount: 99})); err != nil {
		panic(err)
	}

	// A second writer still believes order-1 is new.
	err := store.Append(ctx, "order-1", "Order", 0, envelopes(OrderShipped{Carrier: "UPS"}))
	var conflict *es.ConcurrencyError
	if errors.As(err, &conflict) {
		fmt.Printf("conflict on %s: expected %d, found %d\n",
			conflict.AggregateID, conflict.Expected, conflict.Actual)
	}
	fmt.Println("errors.Is ErrConcurrency:", errors.Is(err, es.ErrConcurrency))

	version, err := store.LatestVersion(ctx, "order-1")
	if err != nil {
		panic(err)
	}
	err = store.Append(ctx, "order-1", "Order", version, envelopes(OrderShipped{Carrier: "UPS"}))
	fmt.Println("retry at version", version, "error:", err)
	if version, err = store.LatestVersion(ctx, "order-1"); err != nil {
		panic(err)
	}
	fmt.Println("version now:", version)
	// Output:
	// conflict on order-1: expected 0, found 1
	// errors.Is ErrConcurrency: true
	// retry at version 1 error: <nil>
	// version now: 2
}

// ExampleInTx runs an append in a unit of work: reads under the unit's context see it, and
// when the function returns an error it is dropped, leaving the store unchanged.
// EventStore.InTx (es.Transactor) does the same.
func ExampleInTx() {
	ctx := context.Background()
	store := memory.NewEventStore()
	errRejected := errors.New("payment rejected")

	err := memory.InTx(ctx, func(ctx context.Context) error {
		if err := store.Append(ctx, "order-1", "Order", 0, envelopes(OrderPlaced{Amount: 99})); err != nil {
			return err
		}
		version, err := store.LatestVersion(ctx, "order-1")
		if err != nil {
			return err
		}
		fmt.Println("inside the unit: version", version)
		return errRejected // rolls the append back
	})
	fmt.Println("InTx:", err)

	version, err := store.LatestVersion(ctx, "order-1")
	if err != nil {
		panic(err)
	}
	last, err := store.LastPosition(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("after rollback: version", version, "last position", last)
	// Output:
	// inside the unit: version 1
	// InTx: payment rejected
	// after rollback: version 0 last position 0
}
