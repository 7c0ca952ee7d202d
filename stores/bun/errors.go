package bunstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// urlText is a database URL as this package's messages quote it: redacted ([RedactURL]), then
// cut to check.URLTextBytes bytes, so that a URL of a megabyte makes no error of a megabyte.
func urlText(raw string) string { return check.Clip(RedactURL(raw), check.URLTextBytes) }

// Errors of this package. The stores otherwise return the core's errors (es.ErrConcurrency,
// es.ErrInvalidArgument) or driver errors wrapped with the operation that failed.
var (
	// ErrBusy reports that SQLite stayed locked by another writer longer than the busy timeout
	// (10 s). The operation did not happen; it can be retried.
	ErrBusy = errors.New("bunstore: database is busy: another writer held the lock longer than the busy timeout")
	// ErrSchema reports a missing table or column: run [Migrate], or enable the auto-migrate
	// option of the module, or create the schema the migrations describe.
	ErrSchema = errors.New("bunstore: schema missing")
	// ErrPositionsAhead reports a PostgreSQL database whose stored global positions lie at or
	// above what the server's transaction ids give, as after a dump restored into another server.
	ErrPositionsAhead = errors.New("bunstore: stored global positions are ahead of the server's transaction ids")
)

// The stores' tables, for [CheckSchema] and [WithTables].
const (
	TableEvents      = "pyfly_event_store"             // EventStore
	TableSnapshots   = "pyfly_snapshots"               // SnapshotStore
	TableOutbox      = "pyfly_outbox"                  // OutboxStore
	TableCheckpoints = "pyfly_projection_checkpoints"  // CheckpointStore
	TableLeases      = "pyfly_locks"                   // Lease
	TableDeadLetters = "pyfly_projection_dead_letters" // DeadLetterStore
	TableMembers     = "pyfly_members"                 // Membership
)

const (
	eventTable      = TableEvents
	snapshotTable   = TableSnapshots
	outboxTable     = TableOutbox
	checkpointTable = TableCheckpoints
	leaseTable      = TableLeases
	deadLetterTable = TableDeadLetters
	memberTable     = TableMembers
)

// errKind classifies a driver error.
type errKind int

const (
	kindOther errKind = iota
	kindUniqueSequence
	kindUniqueEventID
	kindUniquePosition
	kindUniqueOther
	kindSerialization
	kindBusy
	kindUndefinedTable
	kindUndefinedColumn
	kindBadData
	kindLockTimeout
	kindStatementTimeout
)

// driverErr is what the three drivers tell about an error.
type driverErr struct {
	kind       errKind
	constraint string
	// keepsTx: the failed statement leaves its transaction usable (SQLite); on PostgreSQL an
	// error aborts the transaction until it rolls back.
	keepsTx bool
}

// classify reads pgx's *pgconn.PgError, pgdriver's Error and modernc's *sqlite.Error.
func classify(err error) driverErr {
	var pgxErr *pgconn.PgError
	if errors.As(err, &pgxErr) {
		return classifyPG(pgxErr.Code, pgxErr.ConstraintName)
	}
	var pgdErr pgdriver.Error
	if errors.As(err, &pgdErr) {
		return classifyPG(pgdErr.Field('C'), pgdErr.Field('n'))
	}
	var sqlErr *sqlite.Error
	if errors.As(err, &sqlErr) {
		d := classifySQLite(sqlErr.Code(), sqlErr.Error())
		d.keepsTx = true
		return d
	}
	return driverErr{kind: kindOther}
}

// isUniqueViolation reports a unique constraint that refused a row.
func isUniqueViolation(err error) bool {
	switch classify(err).kind {
	case kindUniqueSequence, kindUniqueEventID, kindUniquePosition, kindUniqueOther:
		return true
	}
	return false
}

// wrapErr turns a driver error of operation op on table into this package's error: the context's
// own error when it was cancelled, ErrBusy, ErrSchema naming the table, or the driver error wrapped
// with the operation. It does not map unique violations; appends do that themselves.
func wrapErr(ctx context.Context, op, table string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("bunstore: %s: %w", op, cerr)
	}
	switch classify(err).kind {
	case kindBusy:
		return fmt.Errorf("bunstore: %s: %w (%w)", op, ErrBusy, err)
	case kindUndefinedTable:
		return fmt.Errorf("%w: %s: table %s does not exist; run bunstore.Migrate or enable the auto-migrate option (%w)", ErrSchema, op, table, err)
	case kindUndefinedColumn:
		return fmt.Errorf("%w: %s: table %s lacks a column this version needs; run bunstore.Migrate (%w)", ErrSchema, op, table, err)
	case kindSerialization:
		return fmt.Errorf("bunstore: %s: %w", op, &es.ConcurrencyError{Actual: -1, Reason: "the database aborted the transaction (serialization failure or deadlock); retry in a new transaction"})
	case kindLockTimeout:
		return &TimeoutError{Op: op, Limit: "lock_timeout", Err: err}
	case kindStatementTimeout:
		return &TimeoutError{Op: op, Limit: "statement_timeout", Err: err}
	case kindBadData:
		return fmt.Errorf("bunstore: %s: %w", op, storekit.InvalidArgument("the database refused a value: %v", err))
	}
	return fmt.Errorf("bunstore: %s: %w", op, err)
}
