package bunstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
)

// DeadLetters lists dead letters without their payloads: the outboxes' (the most recently
// failed first), then the projections' (by projection and position), at most q.Limit in all.
// q.Kind and q.Name keep one kind, or one outbox's or projection's (a name needs its kind).
func (a *Admin) DeadLetters(ctx context.Context, q inspect.DeadLetterQuery) ([]inspect.DeadLetter, error) {
	if err := checkDeadLetterQuery(q); err != nil {
		return nil, err
	}
	out := []inspect.DeadLetter{}
	if q.Kind != inspect.KindProjection {
		got, err := a.listDeadLetters(ctx, a.events.db.DB, a.eq.outboxDeadLetters, inspect.KindOutbox, q.Name, q.Limit)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	if q.Kind != inspect.KindOutbox && len(out) < q.Limit {
		got, err := a.listDeadLetters(ctx, a.cps.db.DB, a.cq.projectionDeadLetters, inspect.KindProjection, q.Name, q.Limit-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func checkDeadLetterQuery(q inspect.DeadLetterQuery) error {
	switch q.Kind {
	case "", inspect.KindOutbox, inspect.KindProjection:
	default:
		return fmt.Errorf("%w: dead letters: kind %q is not %q or %q", es.ErrInvalidArgument, check.Clip(string(q.Kind), 40), inspect.KindOutbox, inspect.KindProjection)
	}
	if q.Name != "" && q.Kind == "" {
		return fmt.Errorf("%w: dead letters: a name needs its kind (outbox or projection)", es.ErrInvalidArgument)
	}
	if err := checkOwnerName(q.Kind, q.Name, false); err != nil {
		return err
	}
	return checkLimit(q.Limit)
}

// checkOwnerName checks an outbox's or a projection's name.
func checkOwnerName(kind inspect.Kind, name string, required bool) error {
	if kind == inspect.KindOutbox {
		return check.TextArg("outbox name", name, outbox.MaxNameBytes, required)
	}
	return check.TextArg("projection name", name, projection.MaxNameBytes, required)
}

// listDeadLetters runs one of the dead-letter lists, whose rows are the owner's name, the event's
// id, position, aggregate id and type, sequence and type, the attempts, the error, the time of
// the failure and (for projections) whether a retry is asked for.
func (a *Admin) listDeadLetters(ctx context.Context, db querier, q string, kind inspect.Kind, name string, limit int) ([]inspect.DeadLetter, error) {
	table := outboxTable
	if kind == inspect.KindProjection {
		table = deadLetterTable
	}
	rows, err := db.QueryContext(ctx, q, name, limit)
	if err != nil {
		return nil, wrapErr(ctx, "list dead letters", table, err)
	}
	defer rows.Close()
	var out []inspect.DeadLetter
	for rows.Next() {
		d := inspect.DeadLetter{Kind: kind}
		e := &d.Event
		var failed dbTime
		dest := []any{&d.Name, &e.EventID, &e.GlobalPosition, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
			&d.Attempts, &d.Error, &failed}
		if kind == inspect.KindProjection {
			dest = append(dest, &d.RetryRequested)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, wrapErr(ctx, "list dead letters", table, err)
		}
		if failed.kind != dbTimeNull {
			if d.FailedAt, err = failed.UTC(); err != nil {
				return nil, fmt.Errorf("bunstore: list dead letters: event %s: %w: %w", e.EventID, es.ErrDecode, err)
			}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, "list dead letters", table, err)
	}
	return out, nil
}

// RetryDeadLetter brings a dead letter back. An outbox's becomes due at once, with no attempts
// (outbox.Store.Retry): a running relay publishes it. A projection's is asked for again
// (projection.RetryStore): the projection's running runner applies it. kind and name say whose
// it is; with kind "" the dead letters of every outbox and projection are searched for eventID,
// and more than one is an error matching inspect.ErrAmbiguous that names them. It returns the
// dead letter's kind and name, or an error matching inspect.ErrNotFound when there is none.
func (a *Admin) RetryDeadLetter(ctx context.Context, kind inspect.Kind, name, eventID string) (inspect.Kind, string, error) {
	kind, name, err := a.deadLetterOwner(ctx, kind, name, eventID)
	if err != nil {
		return "", "", err
	}
	if kind == inspect.KindOutbox {
		err = a.outbox.Retry(ctx, name, eventID)
		if errors.Is(err, outbox.ErrNoDeadLetter) {
			err = fmt.Errorf("%w: %w", inspect.ErrNotFound, err)
		}
	} else {
		err = a.letters.RequestRetry(ctx, name, eventID)
		if errors.Is(err, projection.ErrNoDeadLetter) {
			err = fmt.Errorf("%w: %w", inspect.ErrNotFound, err)
		}
	}
	return kind, name, err
}

// deadLetterOwner checks the arguments of an action on one dead letter and returns whose it is:
// kind and name when both are given, else what findDeadLetter finds.
func (a *Admin) deadLetterOwner(ctx context.Context, kind inspect.Kind, name, eventID string) (inspect.Kind, string, error) {
	if err := check.TextArg("event id", eventID, es.MaxIDBytes, true); err != nil {
		return "", "", err
	}
	if err := checkDeadLetterQuery(inspect.DeadLetterQuery{Kind: kind, Name: name, Limit: 1}); err != nil {
		return "", "", err
	}
	if kind == "" || name == "" {
		return a.findDeadLetter(ctx, kind, eventID)
	}
	return kind, name, nil
}

// findDeadLetter finds whose dead letter eventID is, among the outboxes, the projections or both
// (kind "").
func (a *Admin) findDeadLetter(ctx context.Context, kind inspect.Kind, eventID string) (inspect.Kind, string, error) {
	type owner struct {
		kind inspect.Kind
		name string
	}
	var found []owner
	search := func(db querier, q string, k inspect.Kind, table string) error {
		rows, err := db.QueryContext(ctx, q, eventID)
		if err != nil {
			return wrapErr(ctx, "find a dead letter", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return wrapErr(ctx, "find a dead letter", table, err)
			}
			found = append(found, owner{k, n})
		}
		return wrapErr(ctx, "find a dead letter", table, rows.Err())
	}
	if kind != inspect.KindProjection {
		if err := search(a.events.db.DB, a.eq.findOutboxDeadLetter, inspect.KindOutbox, outboxTable); err != nil {
			return "", "", err
		}
	}
	if kind != inspect.KindOutbox {
		if err := search(a.cps.db.DB, a.cq.findProjectionDeadLetter, inspect.KindProjection, deadLetterTable); err != nil {
			return "", "", err
		}
	}
	switch len(found) {
	case 0:
		return "", "", fmt.Errorf("%w: no dead letter has the event id %q", inspect.ErrNotFound, eventID)
	case 1:
		return found[0].kind, found[0].name, nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = fmt.Sprintf("%s %q", f.kind, check.Clip(f.name, 80))
	}
	return "", "", fmt.Errorf("%w: event %q is a dead letter of %s: say which", inspect.ErrAmbiguous, eventID, strings.Join(names, ", "))
}
