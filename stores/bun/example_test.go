package bunstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Events of the examples: plain structs that survive a JSON round trip.
type (
	CartOpened struct {
		Customer string `json:"customer"`
	}
	ItemAdded struct {
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
)

// Example opens a SQLite file in a temporary directory, creates the tables, appends two events
// and reads them back, per aggregate and from the global stream. On SQLite the global positions
// are dense: 1, 2, 3… in commit order.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "bunstore-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// sqlite:////abs/path is a file by its absolute path, sqlite:///rel/path by a relative one.
	db, err := bunstore.Open(ctx, "sqlite:///"+filepath.Join(dir, "events.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := bunstore.Prepare(ctx, db, true); err != nil { // true: run the migrations
		panic(err)
	}
	store, err := bunstore.NewEventStore(db)
	if err != nil {
		panic(err)
	}

	opened, err := es.NewEnvelope(CartOpened{Customer: "ada"})
	if err != nil {
		panic(err)
	}
	added, err := es.NewEnvelope(ItemAdded{SKU: "book", Quantity: 2})
	if err != nil {
		panic(err)
	}
	if err := store.Append(ctx, "cart-1", "Cart", 0, []es.Envelope{opened, added}); err != nil { // 0: a new cart
		panic(err)
	}

	events, err := store.Load(ctx, "cart-1", 0)
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Printf("%s sequence %d, position %d: %s\n", e.AggregateID, e.Sequence, e.GlobalPosition, e.EventType)
	}
	all, err := store.ReadAll(ctx, 0, 100) // at most 100 events after position 0
	if err != nil {
		panic(err)
	}
	fmt.Println("events in the global stream:", len(all))
	// Output:
	// cart-1 sequence 1, position 1: CartOpened
	// cart-1 sequence 2, position 2: ItemAdded
	// events in the global stream: 2
}

// ExampleNewSnapshotStore saves the state of an aggregate at a sequence and loads it back, in a
// private in-memory SQLite database (sqlite::memory:) that lives as long as the *bun.DB.
func ExampleNewSnapshotStore() {
	ctx := context.Background()
	db, err := bunstore.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := bunstore.Prepare(ctx, db, true); err != nil {
		panic(err)
	}
	snapshots, err := bunstore.NewSnapshotStore(db)
	if err != nil {
		panic(err)
	}

	state := json.RawMessage(`{"customer":"ada","items":2}`)
	snap := es.Snapshot{AggregateID: "cart-1", AggregateType: "Cart", Sequence: 2, Payload: state}
	if err := snapshots.Save(ctx, snap); err != nil { // CreatedAt left zero: now
		panic(err)
	}

	loaded, ok, err := snapshots.Load(ctx, "cart-1")
	if err != nil {
		panic(err)
	}
	fmt.Println("found:", ok, "type:", loaded.AggregateType, "sequence:", loaded.Sequence)
	fmt.Println("payload:", string(loaded.Payload))
	// Output:
	// found: true type: Cart sequence: 2
	// payload: {"customer":"ada","items":2}
}
