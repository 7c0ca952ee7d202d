// Command quickstart saves an order, loads it back from its events and a snapshot, and loses an
// optimistic-concurrency race, all in memory.
package main

import (
	"context"
	"errors"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Events are plain structs that survive a JSON round trip.
type (
	OrderPlaced  struct{ Amount int }
	OrderShipped struct{ Carrier string }
)

// Order is an aggregate: it embeds es.AggregateRoot and changes only through its events.
type Order struct {
	es.AggregateRoot
	Amount  int
	Carrier string
}

// NewOrder registers a typed handler; OnOrderShipped is found by its name.
func NewOrder() *Order {
	o := &Order{}
	es.When(o, func(e OrderPlaced) { o.Amount = e.Amount })
	return o
}

func (o *Order) OnOrderShipped(e OrderShipped) { o.Carrier = e.Carrier }

// Ship is a command: it checks the rules, then applies an event.
func (o *Order) Ship(carrier string) error {
	if o.Carrier != "" {
		return errors.New("already shipped")
	}
	return o.Apply(OrderShipped{Carrier: carrier})
}

func main() {
	ctx := context.Background()
	store, snapshots := memory.NewEventStore(), memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewOrder, es.WithSnapshots(snapshots, 2))
	if err != nil {
		panic(err)
	}

	order := NewOrder()
	order.ID = "order-1"
	if err := order.Apply(OrderPlaced{Amount: 99}); err != nil {
		panic(err)
	}
	if err := repo.Save(ctx, order); err != nil {
		panic(err)
	}
	stale, _ := repo.Load(ctx, "order-1") // a second copy, about to go stale

	loaded, err := repo.Load(ctx, "order-1")
	if err != nil {
		panic(err)
	}
	if err := loaded.Ship("DHL"); err != nil {
		panic(err)
	}
	if err := repo.Save(ctx, loaded); err != nil { // version 2 crosses the snapshot interval
		panic(err)
	}
	again, _ := repo.Load(ctx, "order-1")
	fmt.Printf("order-1: amount %d, carrier %s, version %d\n", again.Amount, again.Carrier, again.Version)
	snap, ok, _ := snapshots.Load(ctx, "order-1")
	fmt.Println("snapshot:", ok, "at sequence", snap.Sequence)

	_ = stale.Ship("UPS")
	err = repo.Save(ctx, stale)
	fmt.Println("stale copy refused:", errors.Is(err, es.ErrConcurrency))
}
