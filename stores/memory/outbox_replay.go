package memory

import (
	"context"
	"slices"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ outbox.ReplayStore = (*OutboxStore)(nil)

// Requeue implements [outbox.ReplayStore]. It applies at once, also under a unit of work.
func (s *OutboxStore) Requeue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	if err := storekit.ValidateEnqueue(name, events, at); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	recs, err := newRecords(name, events, at)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if b := s.boxes[name]; b != nil {
		for _, r := range recs {
			b.drop(r.ID)
		}
	}
	s.insert(recs)
	s.mu.Unlock()
	s.commits.signal()
	return nil
}

// drop removes the record id from the box, wherever it is; it runs under s.mu.
func (b *outboxBox) drop(id string) {
	e := b.byID[id]
	if e == nil {
		return
	}
	delete(b.byID, id)
	if e.inLive {
		if !e.isLive() {
			b.stale--
		}
		b.live = slices.DeleteFunc(b.live, func(x *outboxEntry) bool { return x == e })
		e.inLive = false
	}
	b.delivered = slices.DeleteFunc(b.delivered, func(x *outboxEntry) bool { return x == e })
}
