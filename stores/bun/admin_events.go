package bunstore

import (
	"context"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/internal/check"
)

// MaxAdminLimit is the most rows one call of an [Admin] list returns.
const MaxAdminLimit = 100_000

// checkLimit refuses a limit below 1 or above [MaxAdminLimit].
func checkLimit(limit int) error {
	if limit < 1 || limit > MaxAdminLimit {
		return fmt.Errorf("%w: limit: from 1 to %d, got %d", es.ErrInvalidArgument, MaxAdminLimit, limit)
	}
	return nil
}

// Aggregates lists aggregates by id (in the database's order of ids), with their type, version
// and the time of their last event; q.Type keeps one aggregate type. A type that is not valid
// UTF-8 of at most es.MaxTypeBytes bytes without NUL is es.ErrInvalidArgument; so is a limit
// outside 1 to [MaxAdminLimit].
func (a *Admin) Aggregates(ctx context.Context, q inspect.AggregateQuery) ([]inspect.Aggregate, error) {
	if err := check.TextArg("aggregate type", q.Type, es.MaxTypeBytes, false); err != nil {
		return nil, err
	}
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	rows, err := a.events.db.DB.QueryContext(ctx, a.eq.aggregates, q.Type, q.Limit)
	if err != nil {
		return nil, wrapErr(ctx, "list aggregates", eventTable, err)
	}
	defer rows.Close()
	out := []inspect.Aggregate{}
	for rows.Next() {
		var (
			g  inspect.Aggregate
			at dbTime
		)
		if err := rows.Scan(&g.ID, &g.Type, &g.Version, &at); err != nil {
			return nil, wrapErr(ctx, "list aggregates", eventTable, err)
		}
		if g.LastOccurredAt, err = at.UTC(); err != nil {
			return nil, fmt.Errorf("bunstore: list aggregates: aggregate %q: occurred_at: %w: %w", check.Clip(g.ID, 80), es.ErrDecode, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, "list aggregates", eventTable, err)
	}
	return out, nil
}

// Events returns the aggregate's events after afterSequence, as stored (no upcaster), with
// their global positions: es.EventStore.Load's rules.
func (a *Admin) Events(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	return a.events.Load(ctx, aggregateID, afterSequence)
}

// Tail returns up to limit events of the global stream after position after, as stored:
// es.EventStore.ReadAll's rules (after is 0 or a position on the stream).
func (a *Admin) Tail(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	return a.events.ReadAll(ctx, after, limit)
}

// CommitNotifications signals commits of the event store (see [EventStore.CommitNotifications]):
// on PostgreSQL through pgx, those of every process.
func (a *Admin) CommitNotifications(ctx context.Context) <-chan struct{} {
	return a.events.CommitNotifications(ctx)
}
