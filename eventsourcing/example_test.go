package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// The README's quick start.

// Placed is an event: a plain struct that survives a JSON round trip.
type Placed struct {
	Amount int `json:"amount"`
}

// Shipped is another event.
type Shipped struct{}

// Parcel is an aggregate.
type Parcel struct {
	es.AggregateRoot
	Amount  int
	Shipped bool
}

// NewParcel registers a typed handler; OnShipped below is found by its name.
func NewParcel() *Parcel {
	p := &Parcel{}
	es.When(p, func(e Placed) { p.Amount = e.Amount })
	return p
}

func (p *Parcel) OnShipped(Shipped) { p.Shipped = true }

func Example() {
	ctx := context.Background()
	store := memory.NewEventStore()
	snapshots := memory.NewSnapshotStore()
	repo, err := es.NewRepository(store, NewParcel, es.WithSnapshots(snapshots, 2))
	if err != nil {
		panic(err)
	}

	p := NewParcel()
	p.ID = "p-1"
	_ = p.Apply(Placed{Amount: 99})
	_ = p.Apply(Shipped{})
	if err := repo.Save(ctx, p); err != nil {
		panic(err)
	}

	loaded, err := repo.Load(ctx, "p-1")
	if err != nil {
		panic(err)
	}
	fmt.Println("amount:", loaded.Amount, "shipped:", loaded.Shipped, "version:", loaded.Version)

	snap, ok, _ := snapshots.Load(ctx, "p-1")
	fmt.Println("snapshot taken:", ok, "at sequence", snap.Sequence)

	// A stale copy loses the optimistic-concurrency race.
	stale := NewParcel()
	stale.ID = "p-1"
	_ = stale.Apply(Placed{Amount: 1})
	err = repo.Save(ctx, stale)
	fmt.Println("conflict:", errors.Is(err, es.ErrConcurrency))
	// Output:
	// amount: 99 shipped: true version: 2
	// snapshot taken: true at sequence 2
	// conflict: true
}
