package bunstore

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun/driver/pgdriver"
)

// classifyPG reads a PostgreSQL SQLSTATE and constraint name (pgx and pgdriver alike).
func classifyPG(code, constraint string) driverErr {
	switch {
	case code == "23505":
		return driverErr{kind: uniqueKind(constraint), constraint: constraint}
	case code == "40001" || code == "40P01":
		return driverErr{kind: kindSerialization}
	case code == "42P01":
		return driverErr{kind: kindUndefinedTable}
	case code == "42703":
		return driverErr{kind: kindUndefinedColumn}
	case strings.HasPrefix(code, "22"):
		return driverErr{kind: kindBadData}
	case code == "55P03":
		return driverErr{kind: kindLockTimeout}
	case code == "57014": // statement_timeout, or a cancel request (then the caller's context has ended)
		return driverErr{kind: kindStatementTimeout}
	}
	return driverErr{kind: kindOther}
}

// outcomeUnknown: PostgreSQL answered nothing about a write that may have been sent. An answer
// from the server (an SQLSTATE) means it rolled the write back; an error pgconn marks safe to
// retry means the request never left; a transaction database/sql had already ended was rolled
// back. Anything else, a bare context error included (pgx returns one when the context ends while
// it waits for the answer), leaves the outcome unknown. Callers refuse a context that has ended
// before they send anything, so that case stays a plain refusal.
func (postgresDialect) outcomeUnknown(err error) bool {
	var pgErr *pgconn.PgError
	var pgdErr pgdriver.Error
	switch {
	case err == nil, errors.As(err, &pgErr), errors.As(err, &pgdErr), pgconn.SafeToRetry(err), errors.Is(err, sql.ErrTxDone):
		return false
	}
	return true
}

func uniqueKind(constraint string) errKind {
	switch {
	case strings.Contains(constraint, "aggregate_id") && strings.Contains(constraint, "sequence"),
		constraint == "pyfly_event_store_aggregate_sequence_key":
		return kindUniqueSequence
	case constraint == "pyfly_event_store_pkey" || constraint == "pyfly_event_store_event_id_key" || strings.HasSuffix(constraint, ".event_id"):
		return kindUniqueEventID
	case strings.Contains(constraint, "global_position"):
		return kindUniquePosition
	default:
		return kindUniqueOther
	}
}
