package otelhooks_test

import (
	"context"
	"fmt"
	"slices"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/otelhooks"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Deposited is the event of the example's aggregate.
type Deposited struct {
	Amount int `json:"amount"`
}

// Account is the example's aggregate.
type Account struct {
	es.AggregateRoot
	Balance int
}

// NewAccount returns an empty Account that applies its events.
func NewAccount() *Account {
	a := &Account{}
	es.When(a, func(e Deposited) { a.Balance += e.Amount })
	return a
}

// An Observer hands the spans and metrics of a memory event store and a repository to the
// OpenTelemetry SDK, here to its in-memory span recorder and a manual metric reader: a save
// makes an eventsourcing.save span and, as its child, the store's eventsourcing.append.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := otelhooks.New(otelhooks.WithTracerProvider(tp), otelhooks.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}

	store := memory.NewEventStore(memory.WithObserver(obs))
	repo, err := es.NewRepository(store, NewAccount, es.WithObserver(obs))
	if err != nil {
		panic(err)
	}
	acc := NewAccount()
	acc.ID = "account-1"
	if err := acc.Apply(Deposited{Amount: 10}); err != nil {
		panic(err)
	}
	if err := repo.Save(ctx, acc); err != nil {
		panic(err)
	}
	if _, err := repo.Load(ctx, "account-1"); err != nil {
		panic(err)
	}

	var names []string
	for _, sp := range spans.Ended() {
		names = append(names, sp.Name())
	}
	slices.Sort(names)
	fmt.Println("spans:", names)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics { // one scope: otelhooks.ScopeName
		if m.Name == "eventsourcing.events.appended" {
			fmt.Println(m.Name, m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
		}
	}
	// Output:
	// spans: [eventsourcing.append eventsourcing.load eventsourcing.save]
	// eventsourcing.events.appended 1
}
