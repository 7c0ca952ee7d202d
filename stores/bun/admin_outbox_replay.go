package bunstore

import (
	"context"
	"fmt"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/internal/check"
)

// replayPage is how many events one step of ReplayOutbox reads and enqueues again.
const replayPage = 500

// Replay is what [Admin.ReplayOutbox] enqueued again.
type Replay struct {
	// Outbox is the outbox's name.
	Outbox string
	// Events counts the events enqueued again; First and Last are their first and last global
	// positions (0 when none).
	Events      int
	First, Last int64
}

// ReplayOutbox enqueues again, in the outbox name, the events of the global stream after the
// position after (0: from the start; else a position on the stream, as es.EventStore.ReadAll
// takes) up to and including the position to (0: up to the newest), so a running relay
// publishes them to the broker again; consumers de-duplicate on the event id. A record still
// pending is left in its place, and each aggregate's records are first published in order (see
// outbox.ReplayStore.Requeue). Each page of events is enqueued in a transaction of its own.
func (a *Admin) ReplayOutbox(ctx context.Context, name string, after, to int64) (Replay, error) {
	r := Replay{Outbox: name}
	if err := check.TextArg("outbox name", name, outbox.MaxNameBytes, true); err != nil {
		return r, err
	}
	if after < 0 || to < 0 || (to > 0 && to <= after) {
		return r, fmt.Errorf("%w: outbox replay: needs 0 ≤ from and, when to is given, from < to; got from %d, to %d",
			es.ErrInvalidArgument, after, to)
	}
	for {
		page, err := a.events.ReadAll(ctx, after, replayPage)
		if err != nil {
			return r, fmt.Errorf("bunstore: outbox replay: read the stream after position %d: %w", after, err)
		}
		full := len(page) == replayPage
		if to > 0 {
			n := 0
			for n < len(page) && page[n].GlobalPosition <= to {
				n++
			}
			full = full && n == len(page)
			page = page[:n]
		}
		if len(page) > 0 {
			if err := a.outbox.Requeue(ctx, name, page, time.Now()); err != nil {
				return r, fmt.Errorf("bunstore: outbox replay: enqueue %d events after position %d again: %w", len(page), after, err)
			}
			if r.First == 0 {
				r.First = page[0].GlobalPosition
			}
			after = page[len(page)-1].GlobalPosition
			r.Last, r.Events = after, r.Events+len(page)
		}
		if !full {
			return r, nil
		}
	}
}
