package memory

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// OutboxStore is an in-memory [outbox.Store]. Under a unit of work ([InTx]) its records are
// added when the unit commits, together with the events of the memory event store, and relays
// are woken after that commit ([es.CommitNotifier]).
type OutboxStore struct {
	commits notifier
	events  func() *EventStore // nil, or returning nil: none (see WithEvents)

	mu    sync.Mutex
	boxes map[string]*outboxBox
	skips skipLog // the dead letters skipped
}

var (
	_ outbox.Store            = (*OutboxStore)(nil)
	_ outbox.DeliveredDeleter = (*OutboxStore)(nil)
	_ es.TxJoiner             = (*OutboxStore)(nil)
	_ es.CommitNotifier       = (*OutboxStore)(nil)
)

// outboxBox is the records of one outbox.
type outboxBox struct {
	seq       int64
	byID      map[string]*outboxEntry
	live      []*outboxEntry // undelivered and not dead, in enqueue order; may hold stale entries
	stale     int            // entries of live that are no longer live
	delivered []*outboxEntry // delivered and not yet pruned
}

// outboxEntry is one record and its place in the outbox.
type outboxEntry struct {
	seq    int64
	inLive bool // the entry is in live (live or stale)
	rec    outbox.Record
}

func (e *outboxEntry) isLive() bool { return e.rec.DeliveredAt.IsZero() && !e.rec.Dead }

// OutboxOption configures an [OutboxStore].
type OutboxOption func(*OutboxStore)

// WithEvents names the event store whose events the outbox relays: a record enqueued without its
// event's global position (an envelope built by hand, or enqueued outside a unit of work before
// its event was appended) is claimed with the position of the stored event of its id and
// aggregate, so that the message published for it carries it. Without it (or with nil) such a
// record keeps 0, and is published without a position.
func WithEvents(events *EventStore) OutboxOption {
	if events == nil {
		return WithEventsFrom(nil)
	}
	return WithEventsFrom(func() *EventStore { return events })
}

// WithEventsFrom is [WithEvents] for an event store made after the outbox store: each claim asks
// events for it (events may be nil, or return nil until the event store exists).
func WithEventsFrom(events func() *EventStore) OutboxOption {
	return func(s *OutboxStore) { s.events = events }
}

// NewOutboxStore returns an empty outbox store.
func NewOutboxStore(opts ...OutboxOption) *OutboxStore {
	s := &OutboxStore{boxes: make(map[string]*outboxBox)}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// JoinsTx implements [es.TxJoiner]: true when ctx carries a memory unit of work.
func (s *OutboxStore) JoinsTx(ctx context.Context) bool { return joins(ctx) }

// InTx runs fn in a unit of work (see the package function [InTx]).
func (s *OutboxStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, fn)
}

// CommitNotifications implements [es.CommitNotifier]: a signal after records are enqueued (at
// the commit of the unit of work that enqueued them) and after a dead letter is retried.
func (s *OutboxStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	return s.commits.subscribe(ctx)
}

// box returns the named outbox, creating it; it runs under s.mu.
func (s *OutboxStore) box(name string) *outboxBox {
	b := s.boxes[name]
	if b == nil {
		b = &outboxBox{byID: make(map[string]*outboxEntry)}
		s.boxes[name] = b
	}
	return b
}

// Enqueue implements [outbox.Store]. Under a unit of work the records are added when it commits.
func (s *OutboxStore) Enqueue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
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
	if u := unitFrom(ctx); u != nil {
		create := func() *pendingOutbox { return &pendingOutbox{unit: u} }
		return with(u, s, create, func(p *pendingOutbox) error {
			if len(p.recs) == 0 {
				u.onCommitLocked(s.commits.signal)
			}
			p.recs = append(p.recs, recs...)
			return nil
		})
	}
	s.mu.Lock()
	s.insert(recs)
	s.mu.Unlock()
	s.commits.signal()
	return nil
}

// newRecords returns the records of events, as the store keeps them, enqueued at at.
func newRecords(name string, events []es.Envelope, at time.Time) ([]outbox.Record, error) {
	at = storekit.StoredTime(at)
	recs := make([]outbox.Record, len(events))
	for i := range events {
		e := events[i]
		md, err := storekit.NormalizeMetadata(e.Metadata)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		e.Metadata = md
		e.Payload = append(json.RawMessage(nil), e.Payload...)
		e.OccurredAt = storekit.StoredTime(e.OccurredAt)
		recs[i] = outbox.Record{ID: e.EventID, Outbox: name, Event: e, CreatedAt: at}
	}
	return recs, nil
}

// insert adds records whose ids are new to their outbox; it runs under s.mu.
func (s *OutboxStore) insert(recs []outbox.Record) {
	for _, r := range recs {
		b := s.box(r.Outbox)
		if _, ok := b.byID[r.ID]; ok {
			continue
		}
		b.seq++
		e := &outboxEntry{seq: b.seq, inLive: true, rec: r}
		b.byID[r.ID] = e
		b.live = append(b.live, e)
	}
}

// Claim implements [outbox.Store].
func (s *OutboxStore) Claim(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Record, error) {
	if err := storekit.ValidateClaimRequest(req); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := s.claim(req)
	var events *EventStore
	if s.events != nil {
		events = s.events()
	}
	if events == nil {
		return out, nil
	}
	// Once the outbox is unlocked: a unit of work commits holding both stores' locks.
	for i := range out {
		if e := &out[i].Event; e.GlobalPosition == 0 {
			e.GlobalPosition = events.positionOf(e.EventID, e.AggregateID)
		}
	}
	return out, nil
}

// claim claims the records req asks for, under s.mu.
func (s *OutboxStore) claim(req outbox.ClaimRequest) []outbox.Record {
	now, until := storekit.StoredTime(req.Now), storekit.StoredTime(req.Until)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[req.Outbox]
	if b == nil {
		return nil
	}
	b.compact()
	perAggregate := max(req.PerAggregate, 1)
	var deadFrom map[string]int64 // with HoldBehindDead: each aggregate's earliest dead record
	if req.HoldBehindDead {
		deadFrom = b.deadFrom(nil)
	}
	var out []outbox.Record
	// taken counts the records of each aggregate this claim took so far; -1 marks an aggregate
	// whose run ended (its head or a record of its run is not due, or the run is full).
	taken := make(map[string]int)
	for _, e := range b.live {
		if len(out) == req.Limit {
			break
		}
		if !e.isLive() {
			continue
		}
		agg := e.rec.Event.AggregateID
		n := taken[agg]
		if n < 0 {
			continue
		}
		r := &e.rec
		if d, held := deadFrom[agg]; held && d < e.seq {
			taken[agg] = -1
			continue
		}
		if n == perAggregate || r.NextAttemptAt.After(now) || (r.ClaimedBy != "" && r.ClaimedUntil.After(now)) {
			taken[agg] = -1 // this live record holds back the rest of its aggregate
			continue
		}
		taken[agg] = n + 1
		r.Attempts++
		r.ClaimedBy, r.ClaimedUntil = req.Owner, until
		out = append(out, r.Clone())
	}
	return out
}

// deadFrom returns the place of each aggregate's earliest dead record among those ids holds
// (nil: all); it runs under s.mu.
func (b *outboxBox) deadFrom(ids map[string]bool) map[string]int64 {
	out := map[string]int64{}
	for id, e := range b.byID {
		if !e.rec.Dead || (ids != nil && !ids[id]) {
			continue
		}
		if d, ok := out[e.rec.Event.AggregateID]; !ok || e.seq < d {
			out[e.rec.Event.AggregateID] = e.seq
		}
	}
	return out
}

// compact drops stale entries from live once they are half of it; it runs under s.mu.
func (b *outboxBox) compact() {
	if b.stale == 0 || b.stale < len(b.live)/2 {
		return
	}
	b.live = slices.DeleteFunc(b.live, func(e *outboxEntry) bool {
		if e.isLive() {
			return false
		}
		e.inLive = false
		return true
	})
	b.stale = 0
}

// current returns the entry claims[i] is still current on, or nil; it runs under s.mu.
func (b *outboxBox) current(c outbox.Claim) *outboxEntry {
	if b == nil {
		return nil
	}
	e := b.byID[c.ID]
	if e == nil || !e.isLive() || e.rec.ClaimedBy != c.Owner || e.rec.Attempts != c.Attempt {
		return nil
	}
	return e
}

// MarkDelivered implements [outbox.Store].
func (s *OutboxStore) MarkDelivered(ctx context.Context, name string, claims []outbox.Claim, at time.Time) (int, error) {
	if err := storekit.ValidateMarkDelivered(name, claims, at); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.deliver(name, claims, storekit.StoredTime(at), true), nil
}

// DeleteDelivered implements [outbox.DeliveredDeleter]: it removes each record whose claim is
// current, as Prune removes a delivered one.
func (s *OutboxStore) DeleteDelivered(ctx context.Context, name string, claims []outbox.Claim) (int, error) {
	if err := storekit.ValidateClaims(name, claims); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.deliver(name, claims, storekit.StoredTime(time.Now()), false), nil
}

// deliver ends each claim of outbox name that is current: its record is delivered at at (no
// longer live: its place in live is stale now) and kept until pruned, or, unless keep, gone from
// the outbox at once. It returns how many it ended.
func (s *OutboxStore) deliver(name string, claims []outbox.Claim, at time.Time, keep bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	n := 0
	for _, c := range claims {
		e := b.current(c)
		if e == nil {
			continue
		}
		e.rec.DeliveredAt = at
		e.rec.ClaimedBy, e.rec.ClaimedUntil = "", time.Time{}
		b.stale++
		if keep {
			b.delivered = append(b.delivered, e)
		} else {
			delete(b.byID, e.rec.ID)
		}
		n++
	}
	return n
}

// MarkFailed implements [outbox.Store].
func (s *OutboxStore) MarkFailed(ctx context.Context, name string, c outbox.Claim, f outbox.Failure) (bool, error) {
	if err := storekit.ValidateFailure(name, c, f); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	e := b.current(c)
	if e == nil {
		return false, nil
	}
	r := &e.rec
	r.LastError, r.LastAttemptAt = f.Error, storekit.StoredTime(f.At)
	r.ClaimedBy, r.ClaimedUntil = "", time.Time{}
	if f.Dead {
		r.Dead = true
		b.stale++
	} else {
		r.NextAttemptAt = storedOrZero(f.NextAttemptAt)
	}
	return true, nil
}

// Release implements [outbox.Store].
func (s *OutboxStore) Release(ctx context.Context, name string, claims []outbox.Claim) error {
	if err := storekit.ValidateClaims(name, claims); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	for _, c := range claims {
		if e := b.current(c); e != nil {
			e.rec.Attempts--
			e.rec.ClaimedBy, e.rec.ClaimedUntil = "", time.Time{}
		}
	}
	return nil
}

// Pending implements [outbox.Store].
func (s *OutboxStore) Pending(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	if err := listArgs(ctx, name, limit); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil {
		return nil, nil
	}
	var out []outbox.Record
	for _, e := range b.live {
		if len(out) == limit {
			break
		}
		if e.isLive() {
			out = append(out, e.rec.Clone())
		}
	}
	return out, nil
}

// DeadLetters implements [outbox.Store].
func (s *OutboxStore) DeadLetters(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	if err := listArgs(ctx, name, limit); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil {
		return nil, nil
	}
	var dead []*outboxEntry
	for _, e := range b.byID {
		if e.rec.Dead {
			dead = append(dead, e)
		}
	}
	slices.SortFunc(dead, func(x, y *outboxEntry) int {
		if c := y.rec.LastAttemptAt.Compare(x.rec.LastAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(y.seq, x.seq)
	})
	out := make([]outbox.Record, 0, min(limit, len(dead)))
	for _, e := range dead[:min(limit, len(dead))] {
		out = append(out, e.rec.Clone())
	}
	return out, nil
}

// deadEntry returns the dead letter id of the outbox name and its box, or an error matching
// outbox.ErrNoDeadLetter; it runs under s.mu.
func (s *OutboxStore) deadEntry(name, id string) (*outboxBox, *outboxEntry, error) {
	b := s.boxes[name]
	var e *outboxEntry
	if b != nil {
		e = b.byID[id]
	}
	if e == nil || !e.rec.Dead {
		return nil, nil, fmt.Errorf("%w: %q in outbox %q", outbox.ErrNoDeadLetter, id, name)
	}
	return b, e, nil
}

// Retry implements [outbox.Store].
func (s *OutboxStore) Retry(ctx context.Context, name, id string) error {
	if err := storekit.ValidateRetry(name, id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	b, e, err := s.deadEntry(name, id)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	e.rec.Dead, e.rec.Attempts, e.rec.NextAttemptAt = false, 0, time.Time{}
	if e.inLive {
		b.stale--
	} else {
		i, _ := slices.BinarySearchFunc(b.live, e.seq, func(x *outboxEntry, seq int64) int { return cmp.Compare(x.seq, seq) })
		b.live = slices.Insert(b.live, i, e)
		e.inLive = true
	}
	s.mu.Unlock()
	s.commits.signal()
	return nil
}

// Prune implements [outbox.Store].
func (s *OutboxStore) Prune(ctx context.Context, name string, deliveredBefore time.Time, limit int) (int, error) {
	if err := storekit.ValidatePrune(name, deliveredBefore, limit); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[name]
	if b == nil {
		return 0, nil
	}
	n := 0
	b.delivered = slices.DeleteFunc(b.delivered, func(e *outboxEntry) bool {
		if n == limit || !e.rec.DeliveredAt.Before(deliveredBefore) {
			return false
		}
		delete(b.byID, e.rec.ID)
		n++
		return true
	})
	return n, nil
}

func listArgs(ctx context.Context, name string, limit int) error {
	if err := storekit.ValidateOutboxList(name, limit); err != nil {
		return err
	}
	return ctx.Err()
}

func storedOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return storekit.StoredTime(t)
}

// pendingOutbox is an outbox store's records inside one unit of work; the unit's lock guards
// them.
type pendingOutbox struct {
	unit *unit
	recs []outbox.Record
}

func (s *OutboxStore) lockForCommit()     { s.mu.Lock() }
func (s *OutboxStore) unlockAfterCommit() { s.mu.Unlock() }
func (s *OutboxStore) prepare(any) error  { return nil }

// apply adds the unit's records; an event appended in the same unit carries the position its
// commit gave it (event stores apply first).
func (s *OutboxStore) apply(o any) {
	p := o.(*pendingOutbox)
	for i := range p.recs {
		if e := &p.recs[i].Event; e.GlobalPosition == 0 {
			e.GlobalPosition = p.unit.position(e.EventID)
		}
	}
	s.insert(p.recs)
}
