package projection

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Status is a runner's state at one moment.
type Status struct {
	// Name is the projection's name.
	Name string
	// Running is true between Start and Stop (or during Run).
	Running bool
	// Active is true while the runner applies events: it holds the lease, or runs without one.
	// A running runner that is not active stands by. A batch that outlives the lease (a handler
	// slower than the lease's time to live) is not active once the lease expired: another runner
	// may hold it, and the checkpoint's fence stops that batch from committing.
	Active bool
	// Position is the stored checkpoint (0 when there is none yet): what the projection has
	// applied, whichever runner applied it.
	Position int64
	// LastPosition is the highest position a reader of the store can see now.
	LastPosition int64
	// HeadPosition is the highest position stored. It is above LastPosition while the store's
	// read horizon holds events back (on PostgreSQL, while an older transaction is open); it
	// equals LastPosition on stores without a horizon.
	HeadPosition int64
	// Lag is LastPosition − Position: 0 when caught up. Positions are dense on the memory and
	// SQLite stores, so there it counts events; on PostgreSQL they are sparse.
	Lag int64
	// HeldAtHorizon is true when the projection has applied every readable event while more are
	// stored beyond the read horizon: it waits for them, and never skips past them.
	HeldAtHorizon bool
	// FailingPosition is the position of the event being retried, 0 when none is failing.
	FailingPosition int64
	// Attempts is how many times the projection failed on that event.
	Attempts int
	// LastError is the runner's most recent error (a handler's, or the store's), nil when none
	// has occurred since it started. LastErrorAt is when it occurred.
	LastError   error
	LastErrorAt time.Time
	// DeadLetters counts the projection's parked events (with [WithDeadLetters]), those held
	// back behind another included.
	DeadLetters int64
	// Paused is true while the dead-letter policy es.DeadLetterPause stops the runner: the
	// projection has a dead letter, and the runner applies nothing but operators' retries until
	// none is left.
	Paused bool
	// HeldAggregates counts, under the dead-letter policy es.DeadLetterParkAggregate, the
	// aggregates whose events are held back behind a dead letter.
	HeldAggregates int
	// LeaseHolder is the owner holding the projection's lease now (this runner's own while it
	// is active, another runner's while it stands by), "" when nobody holds it, when the
	// runner has no lease, or when its lease cannot tell (a [LeaseReader] tells).
	// LeaseExpiresAt is when that acquisition ends unless its holder extends it.
	LeaseHolder    string
	LeaseExpiresAt time.Time
	// Version is the projection's version this runner runs ([WithVersion]); ActiveVersion the
	// one its checkpoint store records as active, as the runner last read it (0 before it read
	// it). Role is what the runner's version does ("" before it read the versions).
	Version       int
	ActiveVersion int
	Role          Role
	// HandoffPosition is, while the version hands off or once superseded, the position up to
	// which it applies events; 0 otherwise.
	HandoffPosition int64
	// Partitions holds each partition's Status, in partition order, for a projection split into
	// partitions ([WithPartitions]); nil otherwise. Then the fields above sum them up: Running
	// and Active while any partition's runner is, Position the lowest, Lag the highest, the most
	// recent LastError, DeadLetters the total, and no LeaseHolder (each partition has its own).
	Partitions []Status
}

// state is what the loop shares with Status.
type state struct {
	mu        sync.Mutex
	running   bool
	active    bool
	until     time.Time // with a lease, when its acquisition ends unless extended; zero without one
	failing   int64
	attempts  int
	lastErr   error
	lastErrAt time.Time
	role      Role
	activeV   int
	handoff   int64
	paused    bool
	held      int
}

func (s *state) setVersion(role Role, active int, handoff int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.role, s.activeV, s.handoff = role, active, handoff
}

func (s *state) setRunning(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = v
	if !v {
		s.active = false
	} else {
		s.lastErr, s.lastErrAt, s.failing, s.attempts = nil, time.Time{}, 0, 0
	}
}

// setActive records that the runner applies events: while it holds a lease, up to until (zero
// without a lease), after which it no longer reports itself active even if a batch outlives the
// lease (the checkpoint's fence stops that batch from committing).
func (s *state) setActive(until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active, s.until = true, until
}

// setInactive records that the runner stands by.
func (s *state) setInactive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active, s.until = false, time.Time{}
}

// isActive reports whether the runner applies events at now.
func (s *state) isActive(now time.Time) bool {
	return s.running && s.active && (s.until.IsZero() || now.Before(s.until))
}

func (s *state) setError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr, s.lastErrAt = err, time.Now().UTC()
}

func (s *state) setHolds(paused bool, held int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused, s.held = paused, held
}

func (s *state) setFailing(position int64, attempts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing, s.attempts = position, attempts
}

// Status reports the runner's state, reading the stored checkpoint, the store's last and head
// positions and, with [WithDeadLetters], the number of parked events.
func (r *Runner) Status(ctx context.Context) (Status, error) {
	if r.parts != nil {
		return r.partsStatus(ctx)
	}
	r.state.mu.Lock()
	st := Status{
		Name: r.base, Running: r.state.running, Active: r.state.isActive(time.Now()),
		FailingPosition: r.state.failing, Attempts: r.state.attempts,
		LastError: r.state.lastErr, LastErrorAt: r.state.lastErrAt,
		Version: r.version, ActiveVersion: r.state.activeV, Role: r.state.role, HandoffPosition: r.state.handoff,
		Paused: r.state.paused, HeldAggregates: r.state.held,
	}
	r.state.mu.Unlock()
	pos, _, err := r.cfg.checkpoints.Position(ctx, r.name)
	if err != nil {
		return st, fmt.Errorf("projection %q: status: read the checkpoint: %w", r.name, err)
	}
	st.Position = pos
	if st.FailingPosition != 0 && st.FailingPosition <= pos {
		// The failing event is stored past: its batch committed, and the runner forgets the
		// failure only just after the commit.
		st.FailingPosition, st.Attempts = 0, 0
	}
	if st.LastPosition, err = r.store.LastPosition(ctx); err != nil {
		return st, fmt.Errorf("projection %q: status: read the store's last position: %w", r.name, err)
	}
	st.HeadPosition = st.LastPosition
	if r.head != nil {
		if st.HeadPosition, err = r.head.HeadPosition(ctx); err != nil {
			return st, fmt.Errorf("projection %q: status: read the store's head position: %w", r.name, err)
		}
		// The head is read after the last position: commits in between can only raise it.
		st.HeadPosition = max(st.HeadPosition, st.LastPosition)
	}
	st.Lag = max(st.LastPosition-st.Position, 0)
	st.HeldAtHorizon = st.HeadPosition > st.LastPosition && st.Position >= st.LastPosition
	if r.cfg.deadLetters != nil {
		if st.DeadLetters, err = r.cfg.deadLetters.Count(ctx, r.name); err != nil {
			return st, fmt.Errorf("projection %q: status: count dead letters: %w", r.name, err)
		}
	}
	if lr, ok := r.cfg.lease.(LeaseReader); ok {
		h, err := lr.Holder(ctx, r.leaseName)
		if err != nil {
			return st, fmt.Errorf("projection %q: status: read the lease: %w", r.name, err)
		}
		if h.Live {
			st.LeaseHolder, st.LeaseExpiresAt = h.Owner, h.ExpiresAt
		}
	}
	return st, nil
}
