// Command quickstart defines an aggregate, saves it, loads it back, shows a snapshot being taken
// and a concurrency conflict being reported, and prints what happened.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// OrderPlaced is an event: a plain struct that survives a JSON round trip.
type OrderPlaced struct {
	OrderID string `json:"order_id"`
	Amount  int    `json:"amount"`
}

// OrderShipped is another event.
type OrderShipped struct {
	Carrier string `json:"carrier"`
}

// Order is an aggregate: it embeds es.AggregateRoot and changes only through events.
type Order struct {
	es.AggregateRoot
	Amount  int
	Shipped bool
	Carrier string
}

// NewOrder registers a typed handler; OnOrderShipped is found by its name.
func NewOrder() *Order {
	o := &Order{}
	es.When(o, func(e OrderPlaced) { o.Amount = e.Amount })
	return o
}

// OnOrderShipped handles OrderShipped.
func (o *Order) OnOrderShipped(e OrderShipped) {
	o.Shipped = true
	o.Carrier = e.Carrier
}

// Ship is a command: it checks the rules, then applies an event.
func (o *Order) Ship(carrier string) error {
	if o.Shipped {
		return errors.New("already shipped")
	}
	return o.Apply(OrderShipped{Carrier: carrier})
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	store := memory.NewEventStore()
	snapshots := memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewOrder, es.WithSnapshots(snapshots, 2))
	if err != nil {
		return err
	}

	order := NewOrder()
	order.ID = "o-1"
	if err := order.Apply(OrderPlaced{OrderID: "o-1", Amount: 99}); err != nil {
		return err
	}
	ctx = es.WithCorrelationID(ctx, "req-42")
	if err := repo.Save(ctx, order); err != nil {
		return err
	}
	fmt.Printf("saved order %s at version %d (amount %d)\n", order.ID, order.Version, order.Amount)

	loaded, err := repo.Load(ctx, "o-1")
	if err != nil {
		return err
	}
	fmt.Printf("loaded order %s: amount %d, version %d\n", loaded.ID, loaded.Amount, loaded.Version)
	// A second copy, loaded now, goes stale when the first one ships.
	stale, err := repo.Load(ctx, "o-1")
	if err != nil {
		return err
	}

	if err := loaded.Ship("dhl"); err != nil {
		return err
	}
	if err := repo.Save(ctx, loaded); err != nil {
		return err
	}
	snap, ok, err := snapshots.Load(ctx, "o-1")
	if err != nil {
		return err
	}
	fmt.Printf("shipped with %s; version 2 crossed the snapshot interval of 2: snapshot taken=%v at sequence %d\n",
		loaded.Carrier, ok, snap.Sequence)

	// The stale copy does not know about the shipment: saving it loses the optimistic-concurrency race.
	if err := stale.Ship("ups"); err != nil {
		return err
	}
	err = repo.Save(ctx, stale)
	var conflict *es.ConcurrencyError
	if !errors.As(err, &conflict) {
		return fmt.Errorf("expected a concurrency conflict, got %v", err)
	}
	fmt.Printf("stale save refused: %v (expected %d, actual %d); its event is still pending: %d\n",
		err, conflict.Expected, conflict.Actual, len(stale.PendingEvents()))

	events, err := store.ReadAll(ctx, 0, 100)
	if err != nil {
		return err
	}
	fmt.Println("global stream:")
	for _, e := range events {
		fmt.Printf("  #%d %s %s seq %d correlation_id=%v\n", e.GlobalPosition, e.AggregateID, e.EventType, e.Sequence, e.Metadata["correlation_id"])
	}
	return nil
}
