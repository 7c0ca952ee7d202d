package bunstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// CheckpointStore is a projection.CheckpointStore on PostgreSQL or SQLite, in the table
// pyfly_projection_checkpoints: one row per projection with its position and the highest lease
// token that loaded or moved it. It runs transactions (es.Transactor): a projection runner over
// it runs each batch in one, with the checkpoint's move first, so a read model the handler writes
// through [TxFrom] commits with the checkpoint, exactly once. Every method joins the transaction
// in the context when it belongs to the same *bun.DB. Safe for concurrent use by several pools
// and processes.
type CheckpointStore struct {
	db *bun.DB
	dl sqlDialect
	q  checkpointSQL
}

var (
	_ projection.CheckpointStore = (*CheckpointStore)(nil)
	_ es.Transactor              = (*CheckpointStore)(nil)
	_ es.TxJoiner                = (*CheckpointStore)(nil)
)

// checkpointsDialect is what the checkpoint store needs from a dialect
// (postgres_checkpoint_store.go, sqlite_checkpoint_store.go).
type checkpointsDialect interface {
	checkpointSQL() checkpointSQL
}

// checkpointSQL holds the statements of the checkpoint store.
type checkpointSQL struct {
	// load: (projection, initial, fence, updated_at): creates the row at initial or raises its
	// fence, returning position.
	load string
	// position: (projection), returning position.
	position string
	// move: (projection, expected, next, fence, updated_at): the compare-and-set; one row
	// affected when it moved.
	move string
	// reset: (projection, position, updated_at): an upsert of the position.
	reset string
}

// NewCheckpointStore returns a checkpoint store on db (pgdialect or sqlitedialect). It does no
// I/O: run [Prepare] (or [Migrate]) before the first call.
func NewCheckpointStore(db *bun.DB) (*CheckpointStore, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	return &CheckpointStore{db: db, dl: dl, q: dl.checkpointSQL()}, nil
}

// DB returns the *bun.DB the store writes to.
func (s *CheckpointStore) DB() *bun.DB { return s.db }

// InTx implements es.Transactor: it runs fn in a transaction on the store's DB (see [InTx]).
func (s *CheckpointStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, s.db, fn)
}

// JoinsTx implements es.TxJoiner: true when ctx carries a transaction of [InTx] on the store's
// *bun.DB.
func (s *CheckpointStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

// Load implements projection.CheckpointStore. It takes the checkpoint's row lock (until the
// end of the transaction in ctx, if any): it waits for a batch that holds it to end.
func (s *CheckpointStore) Load(ctx context.Context, name string, initial, fence int64) (int64, error) {
	if err := storekit.ValidateCheckpoint(name, initial, fence); err != nil {
		return 0, err
	}
	var p int64
	err := reader(ctx, s.db).QueryRowContext(ctx, s.q.load, name, initial, fence, s.now()).Scan(&p)
	if err != nil {
		return 0, wrapErr(ctx, "load checkpoint", checkpointTable, err)
	}
	return p, nil
}

// Position implements projection.CheckpointStore.
func (s *CheckpointStore) Position(ctx context.Context, name string) (int64, bool, error) {
	if err := storekit.ValidateCheckpointName(name); err != nil {
		return 0, false, err
	}
	var p int64
	err := reader(ctx, s.db).QueryRowContext(ctx, s.q.position, name).Scan(&p)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, wrapErr(ctx, "read checkpoint", checkpointTable, err)
	}
	return p, true, nil
}

// Move implements projection.CheckpointStore. A move that succeeds holds the checkpoint's row
// lock until the transaction in ctx ends: a competing runner's move from the same position waits,
// then finds the checkpoint moved.
func (s *CheckpointStore) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	if err := storekit.ValidateCheckpointMove(name, expected, next, fence); err != nil {
		return false, err
	}
	res, err := reader(ctx, s.db).ExecContext(ctx, s.q.move, name, expected, next, fence, s.now())
	if err != nil {
		return false, wrapErr(ctx, "move checkpoint", checkpointTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr(ctx, "move checkpoint", checkpointTable, err)
	}
	return n == 1, nil
}

// Reset implements projection.CheckpointStore.
func (s *CheckpointStore) Reset(ctx context.Context, name string, position int64) error {
	if err := storekit.ValidateCheckpoint(name, position, 0); err != nil {
		return err
	}
	if _, err := reader(ctx, s.db).ExecContext(ctx, s.q.reset, name, position, s.now()); err != nil {
		return wrapErr(ctx, "reset checkpoint", checkpointTable, err)
	}
	return nil
}

func (s *CheckpointStore) now() any { return s.dl.timeArg(storekit.StoredTime(time.Now())) }
