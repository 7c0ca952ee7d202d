package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

var _ projection.RetryStore = (*DeadLetterStore)(nil)

// deadLetterRetriesDialect is what the retry requests of the dead-letter store need from a
// dialect (postgres_dead_letter_retry.go, sqlite_dead_letter_retry.go).
type deadLetterRetriesDialect interface {
	deadLetterRetrySQL() deadLetterRetrySQL
}

// deadLetterRetrySQL holds the statements of the retry requests, on the column
// retry_requested_at (migration 0006), which Park clears.
type deadLetterRetrySQL struct {
	// request: (projection, event_id, requested_at); one row affected when the letter exists.
	request string
	// requests: (projection, limit), returning deadLetterColumns in position order.
	requests string
}

// RequestRetry implements projection.RetryStore: it marks the letter for the projection's
// runner, which applies the event again (see projection.RetryStore).
func (s *DeadLetterStore) RequestRetry(ctx context.Context, name, eventID string) error {
	if err := storekit.ValidateDeadLetterDelete(name, eventID); err != nil {
		return err
	}
	res, err := reader(ctx, s.db).ExecContext(ctx, s.dl.deadLetterRetrySQL().request, name, eventID,
		s.dl.timeArg(storekit.StoredTime(time.Now())))
	if err != nil {
		return wrapErr(ctx, "request a dead letter's retry", deadLetterTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(ctx, "request a dead letter's retry", deadLetterTable, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q of projection %q", projection.ErrNoDeadLetter, check.Clip(eventID, 80), check.Clip(name, 300))
	}
	return nil
}

// RetryRequests implements projection.RetryStore.
func (s *DeadLetterStore) RetryRequests(ctx context.Context, name string, limit int) ([]projection.DeadLetter, error) {
	if err := storekit.ValidateDeadLetterList(name, 0, limit); err != nil {
		return nil, err
	}
	return s.queryLetters(ctx, "list retry requests", name, s.dl.deadLetterRetrySQL().requests, name, limit)
}

// queryLetters runs q, returning deadLetterColumns of the projection name, and decodes the rows.
func (s *DeadLetterStore) queryLetters(ctx context.Context, op, name, q string, args ...any) ([]projection.DeadLetter, error) {
	rows, err := reader(ctx, s.db).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrapErr(ctx, op, deadLetterTable, err)
	}
	defer rows.Close()
	var out []projection.DeadLetter
	for rows.Next() {
		d, err := scanDeadLetter(rows, name)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, op, deadLetterTable, err)
	}
	return out, nil
}
