package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// CheckpointStore is an in-memory [projection.CheckpointStore]. It runs transactions ([InTx]):
// under a unit of work its writes are visible to reads under that unit and applied when the unit
// commits, together with the unit's events, snapshots and other memory writes. A move that still
// applied when it was made but no longer does at commit (another runner moved the checkpoint in
// between) fails the whole unit with an error matching projection.ErrCheckpointMoved.
type CheckpointStore struct {
	mu     sync.RWMutex
	points map[string]checkpoint
}

// checkpoint is one projection's position, the highest lease token that moved or loaded it, and
// when it was last created, moved or reset.
type checkpoint struct {
	position int64
	fence    int64
	movedAt  time.Time
}

var (
	_ projection.CheckpointStore = (*CheckpointStore)(nil)
	_ es.Transactor              = (*CheckpointStore)(nil)
	_ es.TxJoiner                = (*CheckpointStore)(nil)
)

// NewCheckpointStore returns an empty store.
func NewCheckpointStore() *CheckpointStore {
	return &CheckpointStore{points: map[string]checkpoint{}}
}

// InTx runs fn in a unit of work (see the package function [InTx]).
func (s *CheckpointStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, fn)
}

// JoinsTx implements [es.TxJoiner]: true when ctx carries a memory unit of work.
func (s *CheckpointStore) JoinsTx(ctx context.Context) bool { return joins(ctx) }

// Load implements [projection.CheckpointStore].
func (s *CheckpointStore) Load(ctx context.Context, name string, initial, fence int64) (int64, error) {
	if err := checkCheckpointArgs(ctx, name, initial, fence); err != nil {
		return 0, err
	}
	op := checkpointOp{kind: opLoad, name: name, a: initial, fence: fence}
	if u := unitFrom(ctx); u != nil {
		var cp checkpoint
		err := with(u, s, newPendingCheckpoints, func(p *pendingCheckpoints) error {
			cp, _ = s.addInUnit(p, op)
			return nil
		})
		return cp.position, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp, _ := op.apply(s.committed(name))
	s.points[name] = cp
	return cp.position, nil
}

// Position implements [projection.CheckpointStore].
func (s *CheckpointStore) Position(ctx context.Context, name string) (int64, bool, error) {
	if err := storekit.ValidateCheckpointName(name); err != nil {
		return 0, false, err
	}
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	var (
		cp checkpoint
		ok bool
	)
	read(unitFrom(ctx), s, func(p *pendingCheckpoints) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		cp, ok = s.points[name]
		if p != nil {
			cp, ok = p.view(name, cp, ok)
		}
	})
	return cp.position, ok, nil
}

// Move implements [projection.CheckpointStore].
func (s *CheckpointStore) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	if err := storekit.ValidateCheckpointMove(name, expected, next, fence); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	op := checkpointOp{kind: opMove, name: name, a: expected, b: next, fence: fence}
	if u := unitFrom(ctx); u != nil {
		var ok bool
		err := with(u, s, newPendingCheckpoints, func(p *pendingCheckpoints) error {
			_, ok = s.addInUnit(p, op)
			return nil
		})
		return ok, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp, ok := op.apply(s.committed(name))
	if ok {
		s.points[name] = cp
	}
	return ok, nil
}

// Reset implements [projection.CheckpointStore].
func (s *CheckpointStore) Reset(ctx context.Context, name string, position int64) error {
	if err := checkCheckpointArgs(ctx, name, position, 0); err != nil {
		return err
	}
	op := checkpointOp{kind: opReset, name: name, a: position}
	if u := unitFrom(ctx); u != nil {
		return with(u, s, newPendingCheckpoints, func(p *pendingCheckpoints) error {
			s.addInUnit(p, op)
			return nil
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.points[name], _ = op.apply(s.committed(name))
	return nil
}

// committed returns name's committed checkpoint and whether it exists; it runs under s.mu.
func (s *CheckpointStore) committed(name string) (checkpoint, bool) {
	cp, ok := s.points[name]
	return cp, ok
}

// addInUnit applies op to what the unit p belongs to sees and, when it applied, keeps it for the
// commit. It runs under the unit's lock and takes s.mu (read).
func (s *CheckpointStore) addInUnit(p *pendingCheckpoints, op checkpointOp) (checkpoint, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cur, exists := s.committed(op.name)
	cp, ok := op.apply(p.view(op.name, cur, exists))
	if ok {
		p.ops = append(p.ops, op)
	}
	return cp, ok
}

func checkCheckpointArgs(ctx context.Context, name string, position, fence int64) error {
	if err := storekit.ValidateCheckpoint(name, position, fence); err != nil {
		return err
	}
	return ctx.Err()
}

// opKind is what a checkpoint write does.
type opKind uint8

const (
	opLoad  opKind = iota + 1 // create at a (initial) when missing, raise the fence
	opMove                    // from a (expected) to b (next) under the fence
	opReset                   // set to a, whatever it was
)

// checkpointOp is one write of a checkpoint, applied now or at a unit's commit.
type checkpointOp struct {
	kind  opKind
	name  string
	a, b  int64
	fence int64
}

// apply returns the checkpoint after op, and whether op applied (a move may not).
func (op checkpointOp) apply(cp checkpoint, exists bool) (checkpoint, bool) {
	switch op.kind {
	case opLoad:
		if !exists {
			cp = checkpoint{position: op.a, movedAt: time.Now()}
		}
		cp.fence = max(cp.fence, op.fence)
	case opMove:
		if !exists || cp.position != op.a || (op.fence > 0 && op.fence < cp.fence) {
			return cp, false
		}
		cp.position = op.b
		cp.fence = max(cp.fence, op.fence)
		cp.movedAt = time.Now()
	case opReset:
		cp.position, cp.movedAt = op.a, time.Now()
	}
	return cp, true
}

// pendingCheckpoints are a checkpoint store's writes inside one unit of work, in call order; the
// unit's lock guards them.
type pendingCheckpoints struct {
	ops    []checkpointOp
	result map[string]checkpoint // computed by prepare, written by apply
}

func newPendingCheckpoints() *pendingCheckpoints { return &pendingCheckpoints{} }

// view returns what a reader under the unit sees of name, given its committed checkpoint.
func (p *pendingCheckpoints) view(name string, cp checkpoint, exists bool) (checkpoint, bool) {
	for _, op := range p.ops {
		if op.name == name {
			cp, _ = op.apply(cp, exists)
			exists = true
		}
	}
	return cp, exists
}

func (s *CheckpointStore) lockForCommit()     { s.mu.Lock() }
func (s *CheckpointStore) unlockAfterCommit() { s.mu.Unlock() }

// prepare replays the unit's writes on what is committed now; a move that no longer applies
// fails the unit.
func (s *CheckpointStore) prepare(o any) error {
	p := o.(*pendingCheckpoints)
	result := map[string]checkpoint{}
	for _, op := range p.ops {
		cur, exists := result[op.name]
		if !exists {
			cur, exists = s.points[op.name]
		}
		cp, ok := op.apply(cur, exists)
		if !ok {
			return fmt.Errorf("%w: checkpoint %q is no longer at position %d (now %d) or a newer lease token fenced this one out",
				projection.ErrCheckpointMoved, op.name, op.a, cur.position)
		}
		result[op.name] = cp
	}
	p.result = result
	return nil
}

func (s *CheckpointStore) apply(o any) {
	for name, cp := range o.(*pendingCheckpoints).result {
		s.points[name] = cp
	}
}
