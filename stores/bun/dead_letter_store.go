package bunstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// DeadLetterStore is a projection.DeadLetterStore on PostgreSQL or SQLite, in the table
// pyfly_projection_dead_letters: one row per projection and event, with the event's columns as
// the event store keeps them. Every method joins the transaction in the context when it belongs
// to the same *bun.DB, so an event is parked in the same transaction as the checkpoint's move past
// it when both stores share a database.
type DeadLetterStore struct {
	db *bun.DB
	dl sqlDialect
	q  deadLetterSQL
}

var (
	_ projection.DeadLetterStore = (*DeadLetterStore)(nil)
	_ es.Transactor              = (*DeadLetterStore)(nil)
	_ es.TxJoiner                = (*DeadLetterStore)(nil)
)

// deadLettersDialect is what the dead-letter store needs from a dialect
// (postgres_dead_letter_store.go, sqlite_dead_letter_store.go).
type deadLettersDialect interface {
	deadLetterSQL() deadLetterSQL
}

// deadLetterSQL holds the statements of the dead-letter store.
type deadLetterSQL struct {
	// park: (projection, event_id, global_position, aggregate_id, aggregate_type, sequence,
	// event_type, payload, metadata, occurred_at, version, tenant_id, attempts, error,
	// failed_at), an upsert.
	park string
	// list: (projection, after, limit), returning deadLetterColumns in position order.
	list string
	// count: (projection).
	count string
	// delete: (projection, event_id).
	delete string
}

// deadLetterColumns are the columns list returns, in the order scanDeadLetter reads them.
const deadLetterColumns = `event_id, global_position, aggregate_id, aggregate_type, sequence, event_type, payload, metadata,
	occurred_at, version, tenant_id, attempts, error, failed_at`

// NewDeadLetterStore returns a dead-letter store on db (pgdialect or sqlitedialect). It does no
// I/O: run [Prepare] (or [Migrate]) before the first call.
func NewDeadLetterStore(db *bun.DB) (*DeadLetterStore, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	return &DeadLetterStore{db: db, dl: dl, q: dl.deadLetterSQL()}, nil
}

// InTx implements es.Transactor: it runs fn in a transaction on the store's DB (see [InTx]).
func (s *DeadLetterStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, s.db, fn)
}

// JoinsTx implements es.TxJoiner: true when ctx carries a transaction of [InTx] on the store's
// *bun.DB.
func (s *DeadLetterStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

// Park implements projection.DeadLetterStore.
func (s *DeadLetterStore) Park(ctx context.Context, d projection.DeadLetter) error {
	if err := storekit.ValidateDeadLetter(d); err != nil {
		return err
	}
	e := d.Event
	md, err := encodeMetadata(e.Metadata)
	if err != nil {
		return storekit.InvalidArgument("dead letter event: metadata values must be JSON-encodable: %v", err)
	}
	var tenant any
	if e.TenantID != "" {
		tenant = e.TenantID
	}
	_, err = reader(ctx, s.db).ExecContext(ctx, s.q.park, d.Projection, e.EventID, e.GlobalPosition, e.AggregateID,
		e.AggregateType, e.Sequence, e.EventType, string(e.Payload), md, s.dl.timeArg(storekit.StoredTime(e.OccurredAt)),
		e.Version, tenant, d.Attempts, d.Error, s.dl.timeArg(storekit.StoredTime(d.FailedAt)))
	if err != nil {
		return wrapErr(ctx, "park dead letter", deadLetterTable, err)
	}
	return nil
}

// List implements projection.DeadLetterStore.
func (s *DeadLetterStore) List(ctx context.Context, name string, after int64, limit int) ([]projection.DeadLetter, error) {
	if err := storekit.ValidateDeadLetterList(name, after, limit); err != nil {
		return nil, err
	}
	return s.queryLetters(ctx, "list dead letters", name, s.q.list, name, after, limit)
}

// scanDeadLetter reads one row of deadLetterColumns.
func scanDeadLetter(rows *sql.Rows, name string) (projection.DeadLetter, error) {
	d := projection.DeadLetter{Projection: name}
	e := &d.Event
	var (
		payload, metadata []byte
		occurred, failed  dbTime
		tenant            sql.NullString
	)
	if err := rows.Scan(&e.EventID, &e.GlobalPosition, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
		&payload, &metadata, &occurred, &e.Version, &tenant, &d.Attempts, &d.Error, &failed); err != nil {
		return d, fmt.Errorf("bunstore: list dead letters: %w", err)
	}
	e.Payload = payload
	e.TenantID = tenant.String
	var err error
	if e.Metadata, err = storekit.DecodeMetadata(metadata); err != nil {
		return d, fmt.Errorf("bunstore: list dead letters: event %s: %w", e.EventID, err)
	}
	if e.OccurredAt, err = occurred.UTC(); err != nil {
		return d, fmt.Errorf("bunstore: list dead letters: event %s: occurred_at: %w: %w", e.EventID, es.ErrDecode, err)
	}
	if d.FailedAt, err = failed.UTC(); err != nil {
		return d, fmt.Errorf("bunstore: list dead letters: event %s: failed_at: %w: %w", e.EventID, es.ErrDecode, err)
	}
	return d, nil
}

// Count implements projection.DeadLetterStore.
func (s *DeadLetterStore) Count(ctx context.Context, name string) (int64, error) {
	if err := storekit.ValidateDeadLetterCount(name); err != nil {
		return 0, err
	}
	var n int64
	if err := reader(ctx, s.db).QueryRowContext(ctx, s.q.count, name).Scan(&n); err != nil {
		return 0, wrapErr(ctx, "count dead letters", deadLetterTable, err)
	}
	return n, nil
}

// Delete implements projection.DeadLetterStore.
func (s *DeadLetterStore) Delete(ctx context.Context, name, eventID string) (bool, error) {
	if err := storekit.ValidateDeadLetterDelete(name, eventID); err != nil {
		return false, err
	}
	res, err := reader(ctx, s.db).ExecContext(ctx, s.q.delete, name, eventID)
	if err != nil {
		return false, wrapErr(ctx, "delete dead letter", deadLetterTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrapErr(ctx, "delete dead letter", deadLetterTable, err)
	}
	return n > 0, nil
}
