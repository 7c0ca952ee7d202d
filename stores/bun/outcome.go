package bunstore

import (
	"context"
	"errors"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// ErrTimeout reports a statement the database ended because it ran past one of its own limits
// (lock_timeout, statement_timeout on PostgreSQL). Errors that match it are *TimeoutError and
// match context.DeadlineExceeded too, so callers can treat them like their own deadlines.
var ErrTimeout = errors.New("bunstore: the database timed out")

// TimeoutError is a statement ended by a database time limit. The statement did not take effect.
type TimeoutError struct {
	// Op is what the store was doing ("append", "load", …).
	Op string
	// AggregateID is the aggregate the statement was about, "" when it was about none.
	AggregateID string
	// Limit names the setting that ended it: "lock_timeout" or "statement_timeout".
	Limit string
	// Err is the driver's error.
	Err error
}

// Error implements error.
func (e *TimeoutError) Error() string {
	about := ""
	if e.AggregateID != "" {
		about = fmt.Sprintf(" of aggregate %q", e.AggregateID)
	}
	return fmt.Sprintf("bunstore: %s%s: the database ended the statement at its %s; nothing was written, retry or raise the limit: %v",
		e.Op, about, e.Limit, e.Err)
}

// Is makes errors.Is match ErrTimeout and context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// Unwrap returns the driver's error.
func (e *TimeoutError) Unwrap() error { return e.Err }

// outcomeDialect is what telling a failed write from one that may have committed needs from a
// dialect (postgres_errors.go, sqlite_errors.go).
type outcomeDialect interface {
	// outcomeUnknown reports an error of a write (a statement that commits on its own, or a
	// COMMIT) after which the database may or may not have committed it: the request was sent
	// and no answer came back.
	outcomeUnknown(err error) bool
}

// unknownOutcome wraps err of an append of aggregateID whose commit may or may not have happened.
// It matches es.ErrOutcomeUnknown, err, and ctx's error when ctx has ended.
func unknownOutcome(ctx context.Context, op, aggregateID string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", cerr, err)
	}
	return fmt.Errorf("bunstore: %s of aggregate %q: %w: the connection or the context ended after the write was sent; "+
		"append the same events again to find out (events already stored are recognised and not written twice): %w",
		op, aggregateID, es.ErrOutcomeUnknown, err)
}

// aboutAggregate names aggregateID in the errors of a read or write about it that do not name it
// yet (timeouts, serialization failures).
func aboutAggregate(err error, aggregateID, aggregateType string) error {
	var te *TimeoutError
	if errors.As(err, &te) && te.AggregateID == "" {
		te.AggregateID = aggregateID
	}
	var ce *es.ConcurrencyError
	if errors.As(err, &ce) && ce.AggregateID == "" {
		ce.AggregateID, ce.AggregateType = aggregateID, aggregateType
	}
	return err
}
