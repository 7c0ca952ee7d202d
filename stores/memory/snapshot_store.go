package memory

import (
	"context"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// SnapshotStore is an in-memory [es.SnapshotStore]: one snapshot per aggregate, the newest. Under
// a unit of work ([InTx]) its saves and deletes apply when the unit commits.
type SnapshotStore struct {
	mu    sync.RWMutex
	snaps map[string]es.Snapshot
}

var (
	_ es.SnapshotStore = (*SnapshotStore)(nil)
	_ es.TxJoiner      = (*SnapshotStore)(nil)
)

// NewSnapshotStore returns an empty store.
func NewSnapshotStore() *SnapshotStore {
	return &SnapshotStore{snaps: make(map[string]es.Snapshot)}
}

// JoinsTx implements [es.TxJoiner]: true when ctx carries a memory unit of work.
func (s *SnapshotStore) JoinsTx(ctx context.Context) bool { return joins(ctx) }

// InTx runs fn in a unit of work (see the package function [InTx]).
func (s *SnapshotStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, fn)
}

// Save implements [es.SnapshotStore]: a snapshot with an equal or older sequence is ignored. A
// zero CreatedAt becomes now; every CreatedAt is kept in UTC to the microsecond, as the SQL
// stores keep it.
func (s *SnapshotStore) Save(ctx context.Context, snap es.Snapshot) error {
	if err := storekit.ValidateSnapshot(snap); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	snap = snap.Clone()
	if snap.CreatedAt.IsZero() {
		snap.CreatedAt = time.Now()
	}
	snap.CreatedAt = storekit.StoredTime(snap.CreatedAt)
	if u := unitFrom(ctx); u != nil {
		return with(u, s, newPendingSnapshots, func(p *pendingSnapshots) error {
			p.ops = append(p.ops, snapshotOp{snap: snap})
			return nil
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.save(snap)
	return nil
}

// save keeps snap unless a newer one is stored; it runs under s.mu.
func (s *SnapshotStore) save(snap es.Snapshot) {
	if old, ok := s.snaps[snap.AggregateID]; ok && old.Sequence >= snap.Sequence {
		return
	}
	s.snaps[snap.AggregateID] = snap
}

// Load implements [es.SnapshotStore]. Under a unit of work it sees the unit's own saves and deletes.
func (s *SnapshotStore) Load(ctx context.Context, aggregateID string) (es.Snapshot, bool, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return es.Snapshot{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return es.Snapshot{}, false, err
	}
	var (
		snap es.Snapshot
		ok   bool
	)
	read(unitFrom(ctx), s, func(p *pendingSnapshots) {
		snap, ok = s.visible(aggregateID, p)
	})
	if !ok {
		return es.Snapshot{}, false, nil
	}
	return snap.Clone(), true, nil
}

// visible returns the snapshot of aggregateID a reader sees: the committed one with the unit's
// writes p (may be nil) on top. It takes s.mu (read); the returned snapshot is shared.
func (s *SnapshotStore) visible(aggregateID string, p *pendingSnapshots) (es.Snapshot, bool) {
	s.mu.RLock()
	snap, ok := s.snaps[aggregateID]
	s.mu.RUnlock()
	if p != nil {
		snap, ok = p.overlay(aggregateID, snap, ok)
	}
	return snap, ok
}

// Delete implements [es.SnapshotStore].
func (s *SnapshotStore) Delete(ctx context.Context, aggregateID string) (bool, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if u := unitFrom(ctx); u != nil {
		var had bool
		err := with(u, s, newPendingSnapshots, func(p *pendingSnapshots) error {
			_, had = s.visible(aggregateID, p)
			p.ops = append(p.ops, snapshotOp{del: true, snap: es.Snapshot{AggregateID: aggregateID}})
			return nil
		})
		return had, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.snaps[aggregateID]
	delete(s.snaps, aggregateID)
	return ok, nil
}

// snapshotOp is a save or a delete held in a unit of work.
type snapshotOp struct {
	del  bool
	snap es.Snapshot
}

// pendingSnapshots are a snapshot store's writes inside one unit of work, in call order; the
// unit's lock guards them.
type pendingSnapshots struct {
	ops []snapshotOp
}

func newPendingSnapshots() *pendingSnapshots { return &pendingSnapshots{} }

// overlay applies the unit's writes for one aggregate to what is committed.
func (p *pendingSnapshots) overlay(aggregateID string, snap es.Snapshot, ok bool) (es.Snapshot, bool) {
	for _, op := range p.ops {
		switch {
		case op.snap.AggregateID != aggregateID:
		case op.del:
			snap, ok = es.Snapshot{}, false
		case !ok || op.snap.Sequence > snap.Sequence:
			snap, ok = op.snap, true
		}
	}
	return snap, ok
}

func (s *SnapshotStore) lockForCommit()     { s.mu.Lock() }
func (s *SnapshotStore) unlockAfterCommit() { s.mu.Unlock() }
func (s *SnapshotStore) prepare(any) error  { return nil }

func (s *SnapshotStore) apply(o any) {
	for _, op := range o.(*pendingSnapshots).ops {
		if op.del {
			delete(s.snaps, op.snap.AggregateID)
		} else {
			s.save(op.snap)
		}
	}
}
