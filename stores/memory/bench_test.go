package memory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// benchEvent is about 200 bytes of JSON, like the payloads of the performance notes.
type benchEvent struct {
	OrderID  string   `json:"order_id"`
	Customer string   `json:"customer"`
	Amount   int      `json:"amount"`
	Currency string   `json:"currency"`
	Lines    []string `json:"lines"`
}

func newBenchEvent(i int) benchEvent {
	return benchEvent{
		OrderID:  fmt.Sprintf("order-%08d", i),
		Customer: "customer-" + strings.Repeat("c", 40),
		Amount:   i,
		Currency: "EUR",
		Lines:    []string{"sku-000001 x 2", "sku-000002 x 1", "sku-000003 x 7", "sku-000004 x 3"},
	}
}

// envelopes does the work both sides share: events to JSON envelopes.
func envelopes(b *testing.B, from, n int) []es.Envelope {
	out := make([]es.Envelope, n)
	for i := range out {
		e, err := es.NewEnvelope(newBenchEvent(from + i))
		if err != nil {
			b.Fatal(err)
		}
		out[i] = e
	}
	return out
}

// baseline is the simplest store that does the same work: a map of slices under a mutex, with
// the version check, copies of what it keeps and hands out, and global positions.
type baseline struct {
	mu      sync.RWMutex
	streams map[string][]int
	all     []es.Envelope
}

func newBaseline() *baseline { return &baseline{streams: map[string][]int{}} }

func (s *baseline) append(id string, expected int64, evs []es.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stream := s.streams[id]
	if int64(len(stream)) != expected {
		return es.ErrConcurrency
	}
	for i, e := range evs {
		e.Payload = append([]byte(nil), e.Payload...)
		e.AggregateID, e.Sequence, e.GlobalPosition = id, expected+int64(i)+1, int64(len(s.all))+1
		stream = append(stream, len(s.all))
		s.all = append(s.all, e)
	}
	s.streams[id] = stream
	return nil
}

func (s *baseline) load(id string) []es.Envelope {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.streams[id]
	out := make([]es.Envelope, len(idx))
	for i, j := range idx {
		e := s.all[j]
		e.Payload = append([]byte(nil), e.Payload...)
		out[i] = e
	}
	return out
}

func decodeAll(b *testing.B, envs []es.Envelope) {
	for i := range envs {
		var ev benchEvent
		if err := json.Unmarshal(envs[i].Payload, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

func benchAppend(b *testing.B, batch int) {
	ctx := context.Background()
	b.Run("store", func(b *testing.B) {
		s := memory.NewEventStore()
		b.ReportAllocs()
		for i := range b.N {
			if err := s.Append(ctx, fmt.Sprintf("agg-%d", i), "Order", 0, envelopes(b, i, batch)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("baseline", func(b *testing.B) {
		s := newBaseline()
		b.ReportAllocs()
		for i := range b.N {
			if err := s.append(fmt.Sprintf("agg-%d", i), 0, envelopes(b, i, batch)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkAppend1 appends one-event batches to new aggregates.
func BenchmarkAppend1(b *testing.B) { benchAppend(b, 1) }

// BenchmarkAppend100 appends 100-event batches to new aggregates.
func BenchmarkAppend100(b *testing.B) { benchAppend(b, 100) }

func benchLoad(b *testing.B, size int) {
	ctx := context.Background()
	b.Run("store", func(b *testing.B) {
		s := memory.NewEventStore()
		if err := s.Append(ctx, "agg", "Order", 0, envelopes(b, 0, size)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			envs, err := s.Load(ctx, "agg", 0)
			if err != nil {
				b.Fatal(err)
			}
			decodeAll(b, envs)
		}
		b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "loads/s")
	})
	b.Run("baseline", func(b *testing.B) {
		s := newBaseline()
		if err := s.append("agg", 0, envelopes(b, 0, size)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			decodeAll(b, s.load("agg"))
		}
		b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "loads/s")
	})
}

// BenchmarkLoad1 loads a one-event aggregate and decodes its payload.
func BenchmarkLoad1(b *testing.B) { benchLoad(b, 1) }

// BenchmarkLoad100 loads a 100-event aggregate and decodes its payloads.
func BenchmarkLoad100(b *testing.B) { benchLoad(b, 100) }

// BenchmarkLoad1000 loads a 1,000-event aggregate and decodes its payloads.
func BenchmarkLoad1000(b *testing.B) { benchLoad(b, 1000) }
