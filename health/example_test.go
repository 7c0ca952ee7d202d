package health_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/health"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Scanned is the event of the example's aggregate.
type Scanned struct {
	Depot string `json:"depot"`
}

// Parcel is the example's aggregate.
type Parcel struct {
	es.AggregateRoot
	Scans int
}

// NewParcel returns an empty Parcel that applies its events.
func NewParcel() *Parcel {
	p := &Parcel{}
	es.When(p, func(Scanned) { p.Scans++ })
	return p
}

// A Handler answers a probe with the report of a Checker over memory stores: an outbox whose
// relay is not running holds more records than its threshold allows, so the answer is 503
// Service Unavailable, and the report says which check failed and why.
func ExampleNewHandler() {
	ctx := context.Background()
	events, obStore := memory.NewEventStore(), memory.NewOutboxStore()
	ob, err := outbox.New(obStore, func(context.Context, es.Envelope) error { return nil }, outbox.WithName("parcels"))
	if err != nil {
		panic(err)
	}
	repo, err := es.NewRepository(events, NewParcel, es.WithOutbox(ob)) // the relay is not started
	if err != nil {
		panic(err)
	}
	p := NewParcel()
	p.ID = "parcel-1"
	for _, depot := range []string{"Lyon", "Paris"} { // two events, so two outbox records
		if err := p.Apply(Scanned{Depot: depot}); err != nil {
			panic(err)
		}
	}
	if err := repo.Save(ctx, p); err != nil {
		panic(err)
	}

	in, err := memory.NewInspector(memory.InspectorStores{Events: events, Outbox: obStore})
	if err != nil {
		panic(err)
	}
	checker, err := health.NewChecker(in, health.Config{OutboxPending: 1})
	if err != nil {
		panic(err)
	}
	rec := httptest.NewRecorder()
	health.NewHandler(checker).ServeHTTP(rec, httptest.NewRequest("GET", "/health/eventsourcing", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	var report struct { // the deterministic part of the body: not checked_at, nor the facts read
		Checks []struct {
			Component, Name string
			Healthy         bool
			Problems        []string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &report); err != nil {
		panic(err)
	}
	for _, c := range report.Checks {
		fmt.Printf("%s %q healthy=%v problems=%q\n", c.Component, c.Name, c.Healthy, c.Problems)
	}
	// Output:
	// 503 application/json
	// store "" healthy=true problems=[]
	// outbox "parcels" healthy=false problems=["2 records pending (threshold 1)"]
}
