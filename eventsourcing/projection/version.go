package projection

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// Role is what a runner's version does, by the active version its checkpoint store records.
type Role string

// The roles of a version.
const (
	// RoleActive: the version is the active one; it applies events, live after its live-from
	// position.
	RoleActive Role = "active"
	// RoleCatchingUp: a version above the active one; it applies the stream in replay mode and
	// takes over once it is within [Config.SwitchLag] of the store's newest position.
	RoleCatchingUp Role = "catching up"
	// RoleHandingOff: a version below the active one whose checkpoint is before the handoff
	// position; it applies events up to there, then stops.
	RoleHandingOff Role = "handing off"
	// RoleSuperseded: a version below the active one that has reached the handoff position; its
	// runner has stopped. Its checkpoint and dead letters stay until it is retired.
	RoleSuperseded Role = "superseded"
)

// switchCheckEvery bounds how often a version catching up compares its lag with the threshold.
const switchCheckEvery = 100 * time.Millisecond

// errVersionChanged reports, inside the runner, a batch that found another active version than
// the one the runner knew: it is rolled back and the runner reads the versions again.
var errVersionChanged = fmt.Errorf("%w: the active version changed", errSuperseded)

// versionState is the loop's view of the versions; only the loop's goroutine touches it.
type versionState struct {
	stale     bool      // read the records again before the next batch
	role      Role      // this runner's version's role
	active    int       // the active version, as last read
	liveFrom  int64     // events above it are live for this version (when active or handing off)
	handoff   int64     // handing off: the position up to which this version applies events
	finished  bool      // superseded: the loop ends
	switchDue time.Time // when a version catching up next tries to switch, or an active one reads the active version
	contexts  handlingContexts
}

// loadVersion reads the active version and this version's live-from position, after the
// checkpoint was (re)loaded at l.position. The active version's live-from record is created
// the first time: at the checkpoint when it existed before, else at the store's newest position
// (a new checkpoint applies the stream's history in replay mode).
func (r *Runner) loadVersion(ctx context.Context, l *loopState) error {
	cps := r.cfg.checkpoints
	a, err := cps.Load(ctx, r.activeKey, DefaultVersion, 0)
	if err != nil {
		return fmt.Errorf("read the active version: %w", err)
	}
	v := &r.ver
	v.active, v.handoff, v.finished = int(a), 0, false
	switch {
	case v.active == r.version:
		v.role = RoleActive
		live, ok, err := cps.Position(ctx, r.liveKey)
		if err == nil && !ok {
			initial := l.position
			if l.position == l.initial && r.cfg.startFrom == StartEarliest {
				var head int64
				if head, err = r.store.LastPosition(ctx); err == nil {
					initial = max(head, l.position)
				}
			}
			if err == nil {
				live, err = cps.Load(ctx, r.liveKey, initial, 0)
			}
		}
		if err != nil {
			return fmt.Errorf("read the live-from position of version %d: %w", r.version, err)
		}
		v.liveFrom = live
	case v.active < r.version:
		v.role = RoleCatchingUp
	default:
		h, ok, err := cps.Position(ctx, LiveRecordName(r.base, v.active))
		if err != nil {
			return fmt.Errorf("read the handoff position of version %d: %w", v.active, err)
		}
		if !ok {
			h = l.position
		}
		own, ok, err := cps.Position(ctx, r.liveKey)
		if err != nil {
			return fmt.Errorf("read the live-from position of version %d: %w", r.version, err)
		}
		if !ok {
			own = h // never active: everything it applies is replay
		}
		v.role, v.handoff, v.liveFrom = RoleHandingOff, h, own
	}
	v.stale = false
	r.state.setVersion(v.role, v.active, v.handoff)
	return nil
}

// versionRound runs before a round's read, once the checkpoint is loaded: it reads the versions
// when they may have changed, ends a superseded version's run at its handoff position, and lets
// a version catching up take over when it is close enough. It reports whether to skip the read
// (the run ends, or the versions must be read again) and the wait before the next round.
func (r *Runner) versionRound(ctx context.Context, l *loopState) (bool, time.Duration, bool) {
	v := &r.ver
	if v.stale || r.activeMoved(ctx) {
		if err := r.loadVersion(ctx, l); err != nil {
			d, w := r.storeFailed(ctx, l, "read the versions", err)
			return true, d, w
		}
	}
	switch v.role {
	case RoleHandingOff:
		if l.position >= v.handoff {
			v.role, v.finished = RoleSuperseded, true
			r.state.setVersion(v.role, v.active, v.handoff)
			r.log.Info("projection_version_superseded", slog.Int("active_version", v.active),
				slog.Int64("handoff_position", v.handoff))
			return true, 0, false
		}
	case RoleCatchingUp:
		if now := time.Now(); !now.Before(v.switchDue) {
			v.switchDue = now.Add(switchCheckEvery)
			if err := r.maybeSwitch(ctx, l); err != nil {
				d, w := r.storeFailed(ctx, l, "take over from the active version", err)
				return true, d, w
			}
			if v.stale {
				return true, 0, false
			}
		}
	}
	return false, 0, false
}

// activeMoved reports whether the active version is no longer the one an active runner knows,
// reading it at most every switchCheckEvery: a runner with no batch to apply (caught up, or
// failing on an event) learns so of a switch it would otherwise meet at its next batch only. A
// read that fails reports false; the next batch's check stands.
func (r *Runner) activeMoved(ctx context.Context) bool {
	v := &r.ver
	if !r.versioned || v.role != RoleActive {
		return false
	}
	now := time.Now()
	if now.Before(v.switchDue) {
		return false
	}
	v.switchDue = now.Add(switchCheckEvery)
	a, ok, err := r.cfg.checkpoints.Position(ctx, r.activeKey)
	return err == nil && ok && int(a) != v.active
}

// caughtUp returns the wait after a batch that applied all the runner could read. A version
// catching up sees at once whether it may take over, whatever switchCheckEvery says: the lag is
// smallest now, and under steady writes from another process, whose commits wake nothing here,
// the wait before the next round would let more than the switch lag in before every check.
func (r *Runner) caughtUp(ctx context.Context, l *loopState) (time.Duration, bool) {
	v := &r.ver
	if !r.versioned || v.role != RoleCatchingUp || v.stale || !l.known {
		return r.cfg.pollInterval, true
	}
	v.switchDue = time.Now().Add(switchCheckEvery)
	if err := r.maybeSwitch(ctx, l); err != nil {
		return r.storeFailed(ctx, l, "take over from the active version", err)
	}
	if v.stale || v.role == RoleActive {
		return 0, false // read the versions again, or go on at once as the active version
	}
	return r.cfg.pollInterval, true
}

// maybeSwitch makes this version the active one when at most the switch lag of events are
// readable after its checkpoint (a read of that many events and one more tells it): in one transaction of the checkpoint store (when it runs them), it
// proves it still owns its checkpoint, locks the active version's checkpoint (a batch of the
// old version in flight commits first), records the handoff position (the higher of the two
// checkpoints) as its live-from position and moves the active-version record to itself.
func (r *Runner) maybeSwitch(ctx context.Context, l *loopState) error {
	behind, err := r.store.ReadAll(ctx, l.position, int(r.cfg.switchLag)+1)
	if err != nil {
		if undecodableNext(err, l.position, behind) != nil {
			return nil // the runner meets it in its turn
		}
		return err
	}
	if int64(len(behind)) > r.cfg.switchLag {
		return nil
	}
	from := r.ver.active
	var handoff int64
	err = r.inTx(ctx, func(ctx context.Context) error {
		cps := r.cfg.checkpoints
		if err := r.move(ctx, l, l.position); err != nil {
			return err
		}
		old := CheckpointName(r.base, from)
		held, ok, err := cps.Position(ctx, old)
		if err != nil {
			return err
		}
		if ok { // a move onto itself takes the old checkpoint's lock, or finds it moved
			if still, err := cps.Move(ctx, old, held, held, 0); err != nil || !still {
				return cmpErr(err, errVersionChanged)
			}
		}
		handoff = max(held, l.position)
		if err := cps.Reset(ctx, r.liveKey, handoff); err != nil {
			return err
		}
		moved, err := cps.Move(ctx, r.activeKey, int64(from), int64(r.version), 0)
		if err != nil {
			return err
		}
		if !moved {
			return errVersionChanged
		}
		return nil
	})
	switch {
	case isSuperseded(err):
		l.known, r.ver.stale = false, true
		return nil
	case err != nil:
		return err
	}
	v := &r.ver
	v.role, v.active, v.liveFrom = RoleActive, r.version, handoff
	r.state.setVersion(v.role, v.active, 0)
	r.log.Info("projection_version_switched", slog.Int("previous_version", from),
		slog.Int64("handoff_position", handoff), slog.Int64("position", l.position), slog.Int("events_behind", len(behind)))
	return nil
}

// cmpErr returns err, or otherwise when err is nil.
func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// inTx runs fn in a transaction of the checkpoint store when it runs them, else directly.
func (r *Runner) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if r.tx != nil {
		return r.tx.InTx(ctx, fn)
	}
	return fn(ctx)
}

// checkActive confirms, inside a batch of the active version or of one handing off, that the
// active version is still the one the runner knows, with a move of the active-version record
// onto itself: the switch moves it under the old checkpoint's lock, so a batch either commits
// before the switch reads the handoff position or finds the record moved and rolls back.
// A version catching up checks nothing here: it learns of another switch when it tries its own.
func (r *Runner) checkActive(ctx context.Context) error {
	if !r.versioned || r.ver.role == RoleCatchingUp {
		return nil
	}
	a := int64(r.ver.active)
	ok, err := r.cfg.checkpoints.Move(ctx, r.activeKey, a, a, 0)
	if err != nil {
		return err
	}
	if !ok {
		return errVersionChanged
	}
	return nil
}

// bound cuts a version's pages at its handoff position while it hands off; more is false once
// the cut removed anything.
func (r *Runner) bound(events pages, more bool) (pages, bool) {
	if r.ver.role != RoleHandingOff {
		return events, more
	}
	h := r.ver.handoff
	for i, pg := range events {
		for j := range pg {
			if pg[j].GlobalPosition > h {
				if j == 0 {
					return events[:i], false
				}
				out := append(pages(nil), events[:i]...)
				return append(out, pg[:j]), false
			}
		}
	}
	return events, more
}

// handling is what a handler's context tells it about the event it handles.
type handling struct {
	version int
	replay  bool
}

// handlingKey is the context key of a handling.
type handlingKey struct{}

// handlingContext returns ctx for the handler of e: its version and whether e is replayed. The
// two contexts a batch's context leads to are made once per batch.
func (r *Runner) handlingContext(ctx context.Context, e *es.Envelope) context.Context {
	v := &r.ver
	replay := r.versioned && (v.role == RoleCatchingUp || e.GlobalPosition <= v.liveFrom)
	c := &v.contexts
	if c.parent != ctx {
		*c = handlingContexts{parent: ctx}
	}
	i := 0
	if replay {
		i = 1
	}
	if c.made[i] == nil {
		c.made[i] = context.WithValue(ctx, handlingKey{}, handling{version: r.version, replay: replay})
	}
	return c.made[i]
}

// handlingContexts are the handlers' contexts derived from one batch's: live, then replayed.
type handlingContexts struct {
	parent context.Context
	made   [2]context.Context
}

// VersionFrom returns the version of the projection whose handler received ctx (see
// [WithVersion]), or 0 when ctx is not a handler's.
func VersionFrom(ctx context.Context) int {
	h, _ := ctx.Value(handlingKey{}).(handling)
	return h.version
}

// IsReplay reports, for a versioned projection ([WithVersion], or [Config.Versions] naming
// it), whether the event the handler that received ctx is handling is replayed
// rather than live, so that the handler can skip side effects outside its read model (emails,
// calls) while it builds the read model.
//
// An event is live for a version when the version is the active one ([WithVersion]) and the
// event's global position is above the version's live-from position; every other event is
// replayed. The live-from position is, for a version that takes over from another, the handoff
// position (the old version applies the events up to it, live when it was); for the first
// version of a projection, its checkpoint when the record was first written, or the store's
// newest position when its checkpoint was new (a new projection replays the history); after
// [Runner.Reset], the store's newest position at the reset. So each event is live for exactly
// one version, once its runners have run, and a rebuild or a new version replays the history.
// IsReplay is false for a context that is not a handler's, and for every event of a projection
// that is not versioned: it keeps no live-from position.
func IsReplay(ctx context.Context) bool {
	h, _ := ctx.Value(handlingKey{}).(handling)
	return h.replay
}

// handedOff ends the run of a version handing off whose next event is past the handoff
// position: it has applied every event up to there.
func (r *Runner) handedOff(l *loopState) {
	v := &r.ver
	v.role, v.finished = RoleSuperseded, true
	r.state.setVersion(v.role, v.active, v.handoff)
	r.log.Info("projection_version_superseded", slog.Int("active_version", v.active),
		slog.Int64("handoff_position", v.handoff), slog.Int64("position", l.position))
}

// resetTo sets the version's checkpoint to position and its live-from position to the store's
// newest one, in the transaction in ctx when the store joins it: the events up to there are
// replayed.
func (r *Runner) resetTo(ctx context.Context, position int64) error {
	if !r.versioned {
		return r.cfg.checkpoints.Reset(ctx, r.name, position)
	}
	head, err := r.store.LastPosition(ctx)
	if err != nil {
		return fmt.Errorf("read the store's last position: %w", err)
	}
	if err := r.cfg.checkpoints.Reset(ctx, r.name, position); err != nil {
		return err
	}
	return r.cfg.checkpoints.Reset(ctx, r.liveKey, max(head, position))
}
