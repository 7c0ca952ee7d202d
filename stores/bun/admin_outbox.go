package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Outboxes implements inspect.Inspector: every outbox with a record, by name, with its pending
// records, the oldest one's time of enqueueing and its dead letters.
func (a *Admin) Outboxes(ctx context.Context) ([]inspect.Outbox, error) {
	rows, err := a.events.db.DB.QueryContext(ctx, a.eq.outboxNames)
	if err != nil {
		return nil, wrapErr(ctx, "list outboxes", outboxTable, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, wrapErr(ctx, "list outboxes", outboxTable, err)
		}
		names = append(names, n)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, wrapErr(ctx, "list outboxes", outboxTable, err)
	}
	out := make([]inspect.Outbox, 0, len(names))
	for _, n := range names {
		o, err := a.outboxStats(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Outbox returns one outbox's backlog; an outbox without any record has none (and is not an
// error). A name that is not 1 to 64 bytes of UTF-8 without NUL is es.ErrInvalidArgument.
func (a *Admin) Outbox(ctx context.Context, name string) (inspect.Outbox, error) {
	if err := storekit.ValidateOutboxList(name, 1); err != nil {
		return inspect.Outbox{}, err
	}
	return a.outboxStats(ctx, name)
}

func (a *Admin) outboxStats(ctx context.Context, name string) (inspect.Outbox, error) {
	o := inspect.Outbox{Name: name, ReadAt: time.Now().UTC()}
	var oldest dbTime
	if err := a.events.db.DB.QueryRowContext(ctx, a.eq.outboxStats, name).Scan(&o.Pending, &oldest, &o.DeadLetters); err != nil {
		return o, wrapErr(ctx, "read outbox "+fmt.Sprintf("%q", name), outboxTable, err)
	}
	if oldest.kind != dbTimeNull {
		at, err := oldest.UTC()
		if err != nil {
			return o, fmt.Errorf("bunstore: read outbox %q: created_at: %w", name, err)
		}
		o.OldestPendingAt = at
	}
	return o, nil
}
