package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

var (
	_ projection.SkipStore = (*DeadLetterStore)(nil)
	_ outbox.SkipStore     = (*OutboxStore)(nil)
)

// skipTable keeps the skipped dead letters (migration 0008).
const skipTable = "pyfly_dead_letter_skips"

// skipSQL holds the statements of skips, for one dialect.
type skipSQL struct {
	// projection: (projection, event_id), deleting the letter and returning its position,
	// aggregate id, event type, attempts and error.
	projection string
	// outbox: (outbox, event_id, at), marking a dead record delivered and returning the same.
	outbox string
	// record: (kind, name, event_id, position, aggregate id, event type, attempts, error, by, at),
	// an upsert.
	record string
	// list: (kind or '', name or '', limit), the most recent first.
	list string
}

// skipStatements returns the statements for the dialect d: they are written with ?N
// placeholders, which PostgreSQL spells $N.
func skipStatements(d Dialect) skipSQL {
	dead, alive := "dead = 1", "dead = 0"
	place := func(s string) string { return s }
	if d == DialectPostgres {
		dead, alive = "dead", "dead = FALSE"
		place = func(s string) string { return strings.ReplaceAll(s, "?", "$") }
	}
	return skipSQL{
		projection: place(`DELETE FROM pyfly_projection_dead_letters WHERE projection = ?1 AND event_id = ?2
RETURNING global_position, aggregate_id, event_type, attempts, error`),
		outbox: place(`UPDATE pyfly_outbox SET ` + alive + `, delivered_at = ?3, next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND ` + dead + `
RETURNING global_position, aggregate_id, event_type, attempts, coalesce(last_error, '')`),
		record: place(`INSERT INTO pyfly_dead_letter_skips (kind, name, event_id, global_position, aggregate_id, event_type, attempts, error,
	skipped_by, skipped_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT (kind, name, event_id) DO UPDATE SET global_position = excluded.global_position, aggregate_id = excluded.aggregate_id,
	event_type = excluded.event_type, attempts = excluded.attempts, error = excluded.error, skipped_by = excluded.skipped_by,
	skipped_at = excluded.skipped_at`),
		list: place(`SELECT kind, name, event_id, global_position, aggregate_id, event_type, attempts, error, skipped_by, skipped_at
FROM pyfly_dead_letter_skips WHERE (?1 = '' OR kind = ?1) AND (?2 = '' OR name = ?2) ORDER BY skipped_at DESC, event_id LIMIT ?3`),
	}
}

// skipLetter runs take (the statement that removes the letter and returns it) and records the
// skip, in one transaction on db; ok is false when take found no letter.
func skipLetter(ctx context.Context, db *bun.DB, q skipSQL, timeArg func(time.Time) any, take string, takeArgs []any,
	s inspect.Skip) (bool, error) {
	found := false
	err := InTx(ctx, db, func(ctx context.Context) error {
		row := reader(ctx, db).QueryRowContext(ctx, take, takeArgs...)
		if err := row.Scan(&s.GlobalPosition, &s.AggregateID, &s.EventType, &s.Attempts, &s.Error); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			return err
		}
		found = true
		_, err := reader(ctx, db).ExecContext(ctx, q.record, string(s.Kind), s.Name, s.EventID, s.GlobalPosition, s.AggregateID,
			s.EventType, s.Attempts, s.Error, s.SkippedBy, timeArg(storekit.StoredTime(s.SkippedAt)))
		return err
	})
	return found, err
}

// Skip implements projection.SkipStore: the letter leaves the table, and the skip is recorded
// in pyfly_dead_letter_skips, in one transaction (the one ctx carries, when on the store's DB).
func (s *DeadLetterStore) Skip(ctx context.Context, name, eventID, by string, at time.Time) error {
	if err := storekit.ValidateDeadLetterDelete(name, eventID); err != nil {
		return err
	}
	if err := storekit.ValidateSkip(by, at); err != nil {
		return err
	}
	q := skipStatements(s.dl.name())
	found, err := skipLetter(ctx, s.db, q, s.dl.timeArg, q.projection, []any{name, eventID},
		inspect.Skip{Kind: inspect.KindProjection, Name: name, EventID: eventID, SkippedBy: by, SkippedAt: at})
	if err != nil {
		return wrapErr(ctx, "skip dead letter", deadLetterTable, err)
	}
	if !found {
		return fmt.Errorf("%w: %q of projection %q", projection.ErrNoDeadLetter, check.Clip(eventID, 80), check.Clip(name, 300))
	}
	return nil
}

// Skip implements outbox.SkipStore: the dead record is marked delivered (pruned with the
// delivered ones), and the skip is recorded in pyfly_dead_letter_skips, in one transaction.
func (s *OutboxStore) Skip(ctx context.Context, name, id, by string, at time.Time) error {
	if err := storekit.ValidateRetry(name, id); err != nil {
		return err
	}
	if err := storekit.ValidateSkip(by, at); err != nil {
		return err
	}
	q := skipStatements(s.dl.name())
	found, err := skipLetter(ctx, s.db, q, s.dl.timeArg, q.outbox, []any{name, id, s.dl.timeArg(storekit.StoredTime(at))},
		inspect.Skip{Kind: inspect.KindOutbox, Name: name, EventID: id, SkippedBy: by, SkippedAt: at})
	if err != nil {
		return wrapErr(ctx, "skip dead letter", outboxTable, err)
	}
	if !found {
		return fmt.Errorf("%w: %q in outbox %q", outbox.ErrNoDeadLetter, id, name)
	}
	return nil
}
