package bunstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// RetryAllDeadLetters brings back every dead letter of one outbox or projection, in their
// original order: an outbox's become due at once (outbox.RetryAll), and the relays publish them
// in enqueue order; a projection's are asked for again (projection.RequestRetryAll), and its
// runner applies them in position order, each held letter after the one it waits behind. It
// returns how many it brought back.
func (a *Admin) RetryAllDeadLetters(ctx context.Context, kind inspect.Kind, name string) (int, error) {
	if kind == "" || name == "" {
		return 0, fmt.Errorf("%w: retry every dead letter: give the kind (outbox or projection) and the name", es.ErrInvalidArgument)
	}
	if err := checkDeadLetterQuery(inspect.DeadLetterQuery{Kind: kind, Name: name, Limit: 1}); err != nil {
		return 0, err
	}
	if kind == inspect.KindOutbox {
		return outbox.RetryAll(ctx, a.outbox, name)
	}
	return projection.RequestRetryAll(ctx, a.letters, name)
}

// SkipDeadLetter gives one dead letter up for good, recording who skipped it and when
// (pyfly_dead_letter_skips): a projection's leaves its dead letters and is never applied; an
// outbox's is marked delivered, never published. What it held back (dead-letter policies
// park-aggregate and pause) then goes on. kind and name say whose it is; with kind or name ""
// the dead letters are searched for eventID as [Admin.RetryDeadLetter] does. It returns the dead
// letter's kind and name, or an error matching inspect.ErrNotFound when there is none.
func (a *Admin) SkipDeadLetter(ctx context.Context, kind inspect.Kind, name, eventID, by string) (inspect.Kind, string, error) {
	if err := storekit.ValidateSkip(by, time.Now()); err != nil {
		return "", "", err
	}
	kind, name, err := a.deadLetterOwner(ctx, kind, name, eventID)
	if err != nil {
		return "", "", err
	}
	if kind == inspect.KindOutbox {
		err = a.outbox.Skip(ctx, name, eventID, by, time.Now())
	} else {
		err = a.letters.Skip(ctx, name, eventID, by, time.Now())
	}
	if errors.Is(err, outbox.ErrNoDeadLetter) || errors.Is(err, projection.ErrNoDeadLetter) {
		err = fmt.Errorf("%w: %w", inspect.ErrNotFound, err)
	}
	return kind, name, err
}

// SkippedDeadLetters lists the dead letters operators skipped, the most recently skipped first:
// the outboxes', then the projections', at most q.Limit in all. q.Kind and q.Name keep one kind,
// or one outbox's or projection's (a name needs its kind).
func (a *Admin) SkippedDeadLetters(ctx context.Context, q inspect.DeadLetterQuery) ([]inspect.Skip, error) {
	if err := checkDeadLetterQuery(q); err != nil {
		return nil, err
	}
	out := []inspect.Skip{}
	for _, k := range []inspect.Kind{inspect.KindOutbox, inspect.KindProjection} {
		if (q.Kind != "" && q.Kind != k) || len(out) >= q.Limit {
			continue
		}
		db, dl := a.events.db, a.edl
		if k == inspect.KindProjection {
			db, dl = a.cps.db, a.cdl
		}
		rows, err := db.DB.QueryContext(ctx, skipStatements(dl.name()).list, string(k), q.Name, q.Limit-len(out))
		if err != nil {
			return nil, wrapErr(ctx, "list skipped dead letters", skipTable, err)
		}
		for rows.Next() {
			var s inspect.Skip
			var at dbTime
			if err := rows.Scan(&s.Kind, &s.Name, &s.EventID, &s.GlobalPosition, &s.AggregateID, &s.EventType, &s.Attempts, &s.Error,
				&s.SkippedBy, &at); err != nil {
				rows.Close()
				return nil, wrapErr(ctx, "list skipped dead letters", skipTable, err)
			}
			if s.SkippedAt, err = at.UTC(); err != nil {
				rows.Close()
				return nil, fmt.Errorf("bunstore: list skipped dead letters: event %s: %w: %w", s.EventID, es.ErrDecode, err)
			}
			out = append(out, s)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrapErr(ctx, "list skipped dead letters", skipTable, err)
		}
	}
	return out, nil
}
