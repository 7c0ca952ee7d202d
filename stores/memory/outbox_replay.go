package memory

import (
	"cmp"
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
	defer s.commits.signal() // after the unlock below
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil {
		s.insert(recs)
		return nil
	}
	// A pending record is left where it is, as it is (insert skips its id): it is published
	// anyway. A delivered or dead one is dropped and enqueued again at the end. The records of
	// a dead one's aggregate after it that are not delivered, and not dropped, move behind.
	dropped := map[string]bool{}
	for _, r := range recs {
		if e := b.byID[r.ID]; e != nil && !e.isLive() {
			dropped[r.ID] = true
		}
	}
	deadFrom := b.deadFrom(dropped) // each aggregate's earliest dead record among the events
	var behind []*outboxEntry
	if len(deadFrom) > 0 {
		for id, e := range b.byID {
			d, ok := deadFrom[e.rec.Event.AggregateID]
			if ok && e.seq > d && e.rec.DeliveredAt.IsZero() && !dropped[id] {
				behind = append(behind, e)
			}
		}
		slices.SortFunc(behind, func(x, y *outboxEntry) int { return cmp.Compare(x.seq, y.seq) })
	}
	for id := range dropped {
		b.drop(id)
	}
	s.insert(recs)
	for _, e := range behind {
		b.moveToEnd(e)
	}
	return nil
}

// drop removes the record id from the box, wherever it is; it runs under s.mu.
func (b *outboxBox) drop(id string) {
	e := b.byID[id]
	if e == nil {
		return
	}
	delete(b.byID, id)
	b.leaveLive(e)
	b.delivered = slices.DeleteFunc(b.delivered, func(x *outboxEntry) bool { return x == e })
}

// leaveLive takes e out of live, when it is there; it runs under s.mu.
func (b *outboxBox) leaveLive(e *outboxEntry) {
	if !e.inLive {
		return
	}
	if !e.isLive() {
		b.stale--
	}
	b.live = slices.DeleteFunc(b.live, func(x *outboxEntry) bool { return x == e })
	e.inLive = false
}

// moveToEnd gives e, a record that is not delivered, the last place in the box, keeping its
// state (claim, attempts, back-off, dead); it runs under s.mu.
func (b *outboxBox) moveToEnd(e *outboxEntry) {
	b.leaveLive(e)
	b.seq++
	e.seq = b.seq
	if e.isLive() {
		e.inLive = true
		b.live = append(b.live, e)
	}
}
