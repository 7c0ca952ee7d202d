// Package benchkit holds what the stores' benchmarks share: the event they write (about 200
// bytes of JSON), the aggregate they fold it into, and the harness that runs our store next to
// its raw baselines in one process, in an order that turns from one -count run to the next.
//
// Benchmarks are named Benchmark<Op>/<store>/<variant> with variant "store" (ours), "limit" (the
// least work that keeps the same data and guarantees) or "minimal" (raw SQL on a 4-column table;
// in memory, a plain map and slice doing the same JSON work), and report an "events/s" metric, as
// internal/cmd/benchreport reads them.
package benchkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// AggregateType is the aggregate type every benchmark writes.
const AggregateType = "Order"

// Line is one order line of [OrderPlaced].
type Line struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// OrderPlaced is the benchmarks' event: about 200 bytes of JSON.
type OrderPlaced struct {
	OrderID  string `json:"order_id"`
	Customer string `json:"customer"`
	Amount   int    `json:"amount"`
	Currency string `json:"currency"`
	Lines    []Line `json:"lines"`
	Note     string `json:"note"`
}

// NewOrderPlaced returns the i-th event.
func NewOrderPlaced(i int) OrderPlaced {
	return OrderPlaced{
		OrderID:  fmt.Sprintf("3f1c2a9e-6d1b-4d8e-9a51-%012d", i),
		Customer: "c-1234567",
		Amount:   i%1000 + 1,
		Currency: "EUR",
		Lines:    []Line{{SKU: "SKU-001", Qty: 2}, {SKU: "SKU-002", Qty: 1}},
		Note:     "deliver after 18:00",
	}
}

// Events returns n events from the from-th on.
func Events(from, n int) []OrderPlaced {
	out := make([]OrderPlaced, n)
	for i := range out {
		out[i] = NewOrderPlaced(from + i)
	}
	return out
}

// Metadata is what every benchmark event carries besides its payload.
func Metadata() map[string]any { return map[string]any{"correlation_id": "corr-0001"} }

// Envelopes wraps events as the store's callers do: es.NewEnvelope (JSON encoding, a new event
// id, the time) and the metadata.
func Envelopes(events []OrderPlaced) ([]es.Envelope, error) {
	out := make([]es.Envelope, len(events))
	for i := range events {
		e, err := es.NewEnvelope(events[i])
		if err != nil {
			return nil, err
		}
		e.Metadata = Metadata()
		out[i] = e
	}
	return out, nil
}

// State is what folding the events gives: the baselines fold into it by hand.
type State struct {
	Count int `json:"count"`
	Total int `json:"total"`
}

// Add folds one event.
func (s *State) Add(e OrderPlaced) {
	s.Count++
	s.Total += e.Amount
}

// Fold decodes one JSON payload and folds it.
func (s *State) Fold(payload []byte) error {
	var e OrderPlaced
	if err := json.Unmarshal(payload, &e); err != nil {
		return err
	}
	s.Add(e)
	return nil
}

// Order is the aggregate the repository loads.
type Order struct {
	es.AggregateRoot
	State
}

// NewOrder returns an empty order with its handler.
func NewOrder() *Order {
	o := &Order{}
	es.When(o, func(e OrderPlaced) { o.State.Add(e) })
	return o
}

// ErrConflict is a baseline's refused append: the version check failed.
var ErrConflict = errors.New("benchkit: version conflict")

// IsConflict reports a refused append of ours or of a baseline.
func IsConflict(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, es.ErrConcurrency)
}

// Variant is one side of a comparison: its name ("store", "limit", "minimal") and the
// sub-benchmark that measures it.
type Variant struct {
	Name string
	Run  func(b *testing.B)
}

// RoundsEnv names the environment variable that sets how many rounds [InTurn] runs (default 1):
// internal/cmd/benchreport sets it to its -count, so one process measures every round.
const RoundsEnv = "ES_BENCH_ROUNDS"

// Rounds returns the number of rounds [RoundsEnv] asks for, 1 when unset or not a positive number.
func Rounds() int {
	n, err := strconv.Atoi(os.Getenv(RoundsEnv))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// InTurn runs the variants as sub-benchmarks prefix/<name>, [Rounds] times, starting one further
// along in each round, so no variant always runs first on a fresh database or last on one the
// others grew. go test -count would run each sub-benchmark n times in a row instead; the testing
// package names the later rounds <name>#01, #02, ….
func InTurn(b *testing.B, prefix string, variants ...Variant) {
	for k := range Rounds() {
		for i := range variants {
			v := variants[(i+k)%len(variants)]
			name := v.Name
			if prefix != "" {
				name = prefix + "/" + v.Name
			}
			b.Run(name, func(b *testing.B) {
				runtime.GC() // start from a collected heap, whatever the last side left
				v.Run(b)
			})
		}
	}
}

// Report sets the events/s metric: perOp events in each of b.N operations.
func Report(b *testing.B, perOp int) {
	b.ReportMetric(float64(b.N)*float64(perOp)/b.Elapsed().Seconds(), "events/s")
}

// Concurrent runs b.N operations on workers goroutines; op gets the worker's number and how many
// operations that worker has done before. The first error stops the benchmark.
func Concurrent(b *testing.B, workers int, op func(worker, i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				if err := op(w, i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
}

// Race runs attempt on n goroutines at once and checks that exactly one won and every other one
// was refused as a conflict.
func Race(n int, attempt func(i int) error) error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = attempt(i)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !IsConflict(err):
			return err
		}
	}
	if won != 1 {
		return fmt.Errorf("benchkit: %d of %d racers won", won, n)
	}
	return nil
}
