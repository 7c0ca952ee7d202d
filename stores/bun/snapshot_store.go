package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// SnapshotStore is an es.SnapshotStore on PostgreSQL or SQLite, in the table pyfly_snapshots. It
// keeps one snapshot per aggregate, the one with the highest sequence, and joins the transaction
// in the context when it belongs to the same *bun.DB.
type SnapshotStore struct {
	db  *bun.DB
	dl  sqlDialect
	q   snapshotSQL
	log *slog.Logger
}

var (
	_ es.SnapshotStore = (*SnapshotStore)(nil)
	_ es.TxJoiner      = (*SnapshotStore)(nil)
)

// snapshotsDialect is what the snapshot store needs from a dialect
// (postgres_snapshot_store.go, sqlite_snapshot_store.go).
type snapshotsDialect interface {
	snapshotSQL() snapshotSQL
	// loadRow runs q, the snapshot load, in st's transaction when st is set, else on the pool,
	// and scans its one row into dest (sql.ErrNoRows when there is none).
	loadRow(ctx context.Context, db *bun.DB, st *txState, q string, arg any, dest ...any) error
}

// snapshotSQL holds the statements of the snapshot store.
type snapshotSQL struct {
	// save: (aggregate_id, aggregate_type, sequence, payload, created_at), an upsert that keeps
	// the higher sequence.
	save string
	// load: (aggregate_id), returning aggregate_type, sequence, payload, created_at.
	load string
	// delete: (aggregate_id).
	delete string
}

// NewSnapshotStore returns a snapshot store on db (pgdialect or sqlitedialect). It does no I/O:
// run [Prepare] (or [Migrate]) before the first call.
func NewSnapshotStore(db *bun.DB, opts ...SnapshotStoreOption) (*SnapshotStore, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	cfg, err := snapshotStoreOptions(opts)
	if err != nil {
		return nil, err
	}
	return &SnapshotStore{db: db, dl: dl, q: dl.snapshotSQL(), log: cfg.logger}, nil
}

// JoinsTx implements es.TxJoiner: true when ctx carries a transaction of [InTx] on the store's
// *bun.DB, which the store then writes through.
func (s *SnapshotStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

// Save implements es.SnapshotStore: it stores snap unless a snapshot with an equal or higher
// sequence is stored already. A zero CreatedAt becomes now.
func (s *SnapshotStore) Save(ctx context.Context, snap es.Snapshot) error {
	if err := storekit.ValidateSnapshot(snap); err != nil {
		return err
	}
	created := snap.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := reader(ctx, s.db).ExecContext(ctx, s.q.save,
		snap.AggregateID, snap.AggregateType, snap.Sequence, string(snap.Payload), s.dl.timeArg(storekit.StoredTime(created)))
	if err != nil {
		return wrapErr(ctx, "save snapshot", snapshotTable, err)
	}
	return nil
}

// Load implements es.SnapshotStore.
func (s *SnapshotStore) Load(ctx context.Context, aggregateID string) (es.Snapshot, bool, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return es.Snapshot{}, false, err
	}
	snap := es.Snapshot{AggregateID: aggregateID}
	var (
		payload []byte
		created dbTime
	)
	err := s.dl.loadRow(ctx, s.db, ambient(ctx, s.db), s.q.load, aggregateID, &snap.AggregateType, &snap.Sequence, &payload, &created)
	if err == sql.ErrNoRows {
		return es.Snapshot{}, false, nil
	}
	if err != nil {
		return es.Snapshot{}, false, wrapErr(ctx, "load snapshot", snapshotTable, err)
	}
	snap.Payload = payload
	if snap.CreatedAt, err = created.UTC(); err != nil {
		return es.Snapshot{}, false, fmt.Errorf("bunstore: load snapshot %s: created_at: %w: %w", aggregateID, es.ErrDecode, err)
	}
	return snap, true, nil
}

// Delete implements es.SnapshotStore.
func (s *SnapshotStore) Delete(ctx context.Context, aggregateID string) (bool, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return false, err
	}
	res, err := reader(ctx, s.db).ExecContext(ctx, s.q.delete, aggregateID)
	if err != nil {
		return false, wrapErr(ctx, "delete snapshot", snapshotTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr(ctx, "delete snapshot", snapshotTable, err)
	}
	return n > 0, nil
}
