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
	db      *bun.DB
	dialect Dialect
	log     *slog.Logger
}

var (
	_ es.SnapshotStore = (*SnapshotStore)(nil)
	_ es.TxJoiner      = (*SnapshotStore)(nil)
)

// The upsert keeps the newer sequence on both dialects.
const (
	pgSaveSnapshotSQL = `INSERT INTO pyfly_snapshots (aggregate_id, aggregate_type, sequence, payload, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, sequence = EXCLUDED.sequence,
	payload = EXCLUDED.payload, created_at = EXCLUDED.created_at
WHERE pyfly_snapshots.sequence < EXCLUDED.sequence`
	sqliteSaveSnapshotSQL = `INSERT INTO pyfly_snapshots (aggregate_id, aggregate_type, sequence, payload, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, sequence = EXCLUDED.sequence,
	payload = EXCLUDED.payload, created_at = EXCLUDED.created_at
WHERE pyfly_snapshots.sequence < EXCLUDED.sequence`

	pgLoadSnapshotSQL     = `SELECT aggregate_type, sequence, payload, created_at FROM pyfly_snapshots WHERE aggregate_id = $1`
	sqliteLoadSnapshotSQL = `SELECT aggregate_type, sequence, payload, created_at FROM pyfly_snapshots WHERE aggregate_id = ?`

	pgDeleteSnapshotSQL     = `DELETE FROM pyfly_snapshots WHERE aggregate_id = $1`
	sqliteDeleteSnapshotSQL = `DELETE FROM pyfly_snapshots WHERE aggregate_id = ?`
)

// NewSnapshotStore returns a snapshot store on db (pgdialect or sqlitedialect). It does no I/O:
// run [Prepare] (or [Migrate]) before the first call.
func NewSnapshotStore(db *bun.DB, opts ...Option) (*SnapshotStore, error) {
	d, err := DialectOf(db)
	if err != nil {
		return nil, err
	}
	cfg, err := buildConfig(opts)
	if err != nil {
		return nil, err
	}
	return &SnapshotStore{db: db, dialect: d, log: cfg.logger}, nil
}

// JoinsTx implements es.TxJoiner: true when ctx carries a transaction of [InTx] on the store's
// *bun.DB, which the store then writes through.
func (s *SnapshotStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

func (s *SnapshotStore) sql(pg, sqlite string) string {
	if s.dialect == DialectPostgres {
		return pg
	}
	return sqlite
}

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
	created = storekit.StoredTime(created)
	var at any = created
	if s.dialect == DialectSQLite {
		at = created.Format(sqliteTimeLayout)
	}
	_, err := reader(ctx, s.db).ExecContext(ctx, s.sql(pgSaveSnapshotSQL, sqliteSaveSnapshotSQL),
		snap.AggregateID, snap.AggregateType, snap.Sequence, string(snap.Payload), at)
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
		atPG    time.Time
		atText  string
	)
	at := any(&atPG)
	if s.dialect == DialectSQLite {
		at = &atText
	}
	err := reader(ctx, s.db).QueryRowContext(ctx, s.sql(pgLoadSnapshotSQL, sqliteLoadSnapshotSQL), aggregateID).
		Scan(&snap.AggregateType, &snap.Sequence, &payload, at)
	if err == sql.ErrNoRows {
		return es.Snapshot{}, false, nil
	}
	if err != nil {
		return es.Snapshot{}, false, wrapErr(ctx, "load snapshot", snapshotTable, err)
	}
	snap.Payload = payload
	if s.dialect == DialectSQLite {
		t, err := parseSQLiteTime(atText)
		if err != nil {
			return es.Snapshot{}, false, fmt.Errorf("bunstore: load snapshot %s: created_at %q: %w: %w", aggregateID, atText, es.ErrDecode, err)
		}
		snap.CreatedAt = t
	} else {
		snap.CreatedAt = atPG.UTC()
	}
	return snap, true, nil
}

// Delete implements es.SnapshotStore.
func (s *SnapshotStore) Delete(ctx context.Context, aggregateID string) (bool, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return false, err
	}
	res, err := reader(ctx, s.db).ExecContext(ctx, s.sql(pgDeleteSnapshotSQL, sqliteDeleteSnapshotSQL), aggregateID)
	if err != nil {
		return false, wrapErr(ctx, "delete snapshot", snapshotTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr(ctx, "delete snapshot", snapshotTable, err)
	}
	return n > 0, nil
}
