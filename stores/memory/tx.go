package memory

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
)

// unitKey is the context key of the unit of work InTx opens.
type unitKey struct{}

// unit is a unit of work: the writes of every memory store called under its context, held until
// InTx's function returns and then applied together, or dropped.
type unit struct {
	mu          sync.Mutex // stores may be called from several goroutines under one context
	parts       map[participant]any
	afterCommit []func()
	afterEnd    []func(committed bool) // see es.TxEndNotifier; run last first
	closed      bool
	// positions are the global positions the unit's appends got, by event id: event stores
	// apply first at commit and fill it, so that the outbox records of the same events can
	// carry them. Only the commit touches it.
	positions map[string]int64
}

// participant is a memory store that buffers its writes in a unit. At commit the unit locks every
// participant (in a fixed order), asks each to prepare (check what it buffered against what is
// committed now), and only when all agree applies them all.
type participant interface {
	lockForCommit()
	unlockAfterCommit()
	prepare(ops any) error
	apply(ops any)
}

// errUnitClosed reports a write under the context of a unit of work that has already committed or
// rolled back (a goroutine that outlived InTx's function).
var errUnitClosed = errors.New("memory: the unit of work of this context has already ended")

// InTx runs fn in a unit of work: writes of the memory stores (events, snapshots, checkpoints,
// outbox records) made under the context fn receives are held back, visible to reads under that
// context, and applied together when fn returns nil, all or nothing. fn's error or a panic drops
// them. A nested InTx joins the outer unit. At commit, every buffered append is checked again: if
// another writer appended to one of its aggregates in the meantime, nothing is applied and InTx
// returns a *es.ConcurrencyError.
func InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if unitFrom(ctx) != nil {
		return fn(ctx)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	u := &unit{}
	committed := false
	defer func() { u.ended(committed) }() // last, after the close below
	defer func() {
		if p := recover(); p != nil {
			u.close()
			panic(p)
		}
	}()
	if err := fn(context.WithValue(ctx, unitKey{}, u)); err != nil {
		u.close()
		return err
	}
	err = u.commit()
	committed = err == nil
	return err
}

// onEnd registers fn to run when u ends (see es.TxEndNotifier); false when u has ended already.
func (u *unit) onEnd(fn func(committed bool)) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	u.afterEnd = append(u.afterEnd, fn)
	return true
}

// ended runs the functions registered with onEnd, the last first; u is closed by then, so none
// can be added.
func (u *unit) ended(committed bool) {
	u.mu.Lock()
	fns := u.afterEnd
	u.afterEnd = nil
	u.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i](committed)
	}
}

// unitFrom returns the open unit of work ctx carries, or nil.
func unitFrom(ctx context.Context) *unit {
	u, _ := ctx.Value(unitKey{}).(*unit)
	return u
}

// joins reports whether ctx carries a unit of work memory stores write through.
func joins(ctx context.Context) bool { return unitFrom(ctx) != nil }

// with runs f on p's buffered writes in u, creating them with create on first use, under u.mu:
// either the unit is open and f's writes are part of its commit, or it has ended and with
// returns errUnitClosed without calling f. f may take the store's own lock (the order is always
// u.mu, then the store's), and registers commit callbacks with onCommitLocked.
func with[T any](u *unit, p participant, create func() *T, f func(*T) error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return errUnitClosed
	}
	if u.parts == nil {
		u.parts = make(map[participant]any, 2)
	}
	o, ok := u.parts[p].(*T)
	if !ok {
		o = create()
		u.parts[p] = o
	}
	return f(o)
}

// read runs f on p's buffered writes in u, under u.mu. f gets nil when there is no unit, when it
// has ended (its writes are applied or dropped: only the store tells), or when p has no writes in
// it. f may take the store's own lock.
func read[T any](u *unit, p participant, f func(*T)) {
	if u == nil {
		f(nil)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	var o *T
	if !u.closed {
		o, _ = u.parts[p].(*T)
	}
	f(o)
}

// onCommitLocked registers f to run after u commits; it runs under u.mu (in with's f).
func (u *unit) onCommitLocked(f func()) {
	u.afterCommit = append(u.afterCommit, f)
}

func (u *unit) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
}

// commit applies every participant's writes, or none. Once it has marked u closed (under u.mu)
// no write can reach the buffers any more, so it reads them without u.mu; it never holds u.mu
// while it takes the stores' locks.
func (u *unit) commit() error {
	u.mu.Lock()
	u.closed = true
	parts := make([]participant, 0, len(u.parts))
	for p := range u.parts {
		parts = append(parts, p)
	}
	buffered := u.parts
	after := u.afterCommit
	u.mu.Unlock()
	// A fixed lock order (by address) keeps two commits over the same stores from deadlocking.
	slices.SortFunc(parts, func(a, b participant) int {
		return cmp.Compare(reflect.ValueOf(a).Pointer(), reflect.ValueOf(b).Pointer())
	})
	for _, p := range parts {
		p.lockForCommit()
	}
	var err error
	for _, p := range parts {
		if err = p.prepare(buffered[p]); err != nil {
			break
		}
	}
	if err == nil {
		// Event stores apply first: the others may need the positions they hand out.
		order := slices.Clone(parts)
		slices.SortStableFunc(order, func(a, b participant) int { return cmp.Compare(applyRank(a), applyRank(b)) })
		for _, p := range order {
			p.apply(buffered[p])
		}
	}
	for _, p := range parts {
		p.unlockAfterCommit()
	}
	if err != nil {
		return err
	}
	for _, f := range after {
		f()
	}
	return nil
}

// applyRank orders the participants' apply at commit: event stores (which number the events)
// before the others.
func applyRank(p participant) int {
	if _, ok := p.(*EventStore); ok {
		return 0
	}
	return 1
}

// position returns the global position the unit's commit gave the event id, 0 when none did.
func (u *unit) position(eventID string) int64 { return u.positions[eventID] }

// numbered records the positions of events written at commit, from first on, when an outbox
// store takes part in the unit (nothing else reads them).
func (u *unit) numbered(events []record, first int64) {
	if u.positions == nil {
		if !u.hasOutbox() {
			return
		}
		u.positions = make(map[string]int64, len(events))
	}
	for i := range events {
		u.positions[events[i].env.EventID] = first + int64(i)
	}
}

// hasOutbox reports whether an outbox store takes part in the unit; only the commit calls it.
func (u *unit) hasOutbox() bool {
	for p := range u.parts {
		if _, ok := p.(*OutboxStore); ok {
			return true
		}
	}
	return false
}
