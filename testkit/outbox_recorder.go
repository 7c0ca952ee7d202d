package testkit

import (
	"context"
	"fmt"
	"slices"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// PublishRecorder is a publish function for outbox tests that records every call. Fail, when
// set, decides each call's outcome before it is recorded as a success.
type PublishRecorder struct {
	// Fail returns the error a call fails with, nil to succeed. It may be nil.
	Fail func(ctx context.Context, e es.Envelope) error

	mu        sync.Mutex
	calls     map[string]int     // event id -> calls
	delivered map[string]int     // event id -> successful calls
	order     map[string][]int64 // aggregate id -> sequences of successful calls, in call order
	failures  int
}

// Publish is the publish function (an outbox.PublishFunc).
func (p *PublishRecorder) Publish(ctx context.Context, e es.Envelope) error {
	var err error
	if p.Fail != nil {
		err = p.Fail(ctx, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == nil {
		p.calls, p.delivered, p.order = map[string]int{}, map[string]int{}, map[string][]int64{}
	}
	p.calls[e.EventID]++
	if err != nil {
		p.failures++
		return err
	}
	p.delivered[e.EventID]++
	p.order[e.AggregateID] = append(p.order[e.AggregateID], e.Sequence)
	return nil
}

// Calls returns how many times the event was handed to Publish.
func (p *PublishRecorder) Calls(eventID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[eventID]
}

// Delivered returns how many calls for the event succeeded.
func (p *PublishRecorder) Delivered(eventID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delivered[eventID]
}

// Distinct returns how many events were delivered at least once.
func (p *PublishRecorder) Distinct() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.delivered)
}

// Stats returns the number of successful calls, of duplicates among them (successful calls
// beyond the first of an event) and of failed calls.
func (p *PublishRecorder) Stats() (successes, duplicates, failures int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.delivered {
		successes += n
		duplicates += n - 1
	}
	return successes, duplicates, p.failures
}

// OrderProblem checks that every aggregate's events were first delivered in sequence order and
// returns what is wrong, "" when nothing is. Re-deliveries of an event already delivered are
// allowed anywhere.
func (p *PublishRecorder) OrderProblem() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	aggs := make([]string, 0, len(p.order))
	for a := range p.order {
		aggs = append(aggs, a)
	}
	slices.Sort(aggs)
	for _, a := range aggs {
		var last int64
		for _, seq := range p.order[a] {
			if seq > last {
				if last != 0 && seq != last+1 {
					return fmt.Sprintf("aggregate %q: sequence %d delivered right after %d", a, seq, last)
				}
				last = seq
			}
		}
	}
	return ""
}
