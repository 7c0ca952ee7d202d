package eventsourcing_test

import (
	"context"
	"fmt"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

// An application hands its *koanf.Koanf to the module and asks for the stores.
func Example() {
	k := koanf.New(".")
	_ = k.Load(confmap.Provider(map[string]any{
		"pyfly.eventsourcing.enabled":        true,
		"pyfly.eventsourcing.store.provider": "bun",
		"pyfly.eventsourcing.store.url":      "sqlite::memory:",
	}, "."), nil)

	var store es.EventStore
	app := fx.New(
		fx.NopLogger,
		eventsourcing.Module,
		fx.Supply(k),
		fx.Populate(&store),
	)
	ctx := context.Background()
	if err := app.Start(ctx); err != nil { // opens and migrates the database
		fmt.Println(err)
		return
	}
	defer app.Stop(ctx) // closes it

	env, _ := es.NewEnvelope(OrderPlaced{Amount: 5})
	if err := store.Append(ctx, "order-1", "Order", 0, []es.Envelope{env}); err != nil {
		fmt.Println(err)
		return
	}
	version, _ := store.LatestVersion(ctx, "order-1")
	// The bean forwards to the Bun store, bound to its database on start.
	bun := store.(interface{ Unwrap() es.EventStore }).Unwrap()
	fmt.Printf("%T at version %d\n", bun, version)
	// Output: *bunstore.EventStore at version 1
}

// With pyfly.eventsourcing.enabled false, asking for a bean fails and says what to set.
func Example_disabled() {
	var store es.EventStore
	app := fx.New(fx.NopLogger, eventsourcing.Module, fx.Supply(koanf.New(".")), fx.Populate(&store))
	fmt.Println(app.Err() != nil)
	// Output: true
}
