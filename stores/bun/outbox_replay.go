package bunstore

import (
	"context"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ outbox.ReplayStore = (*OutboxStore)(nil)

// requeueSQL are the statements of Requeue in one dialect.
type requeueSQL struct {
	// lock, when not empty, keeps other transactions from writing to the outbox until this
	// one ends: what is pending, dead or behind must not change between the statements below
	// (a relay's mark or a save's records committing in between could leave a record of an
	// aggregate ahead of the ones enqueued again). SQLite's transaction holds the write lock
	// from its start already.
	lock string
	// behind selects, in order, the seq of each record that is not delivered, is after the
	// earliest dead record among the events of its aggregate, and is not itself a dead record
	// among the events, in one statement. Arguments: the outbox, the event ids.
	behind string
	// drop deletes the delivered and dead records among the events. Arguments: the outbox, the
	// event ids.
	drop string
	// move gives the record of a seq the last place. Argument: the seq.
	move string
}

// Requeue implements outbox.ReplayStore, in one transaction (the one ctx carries, when on the
// store's DB), during which no other transaction writes to the outbox (on PostgreSQL it locks the
// table; SQLite's transactions take the write lock). A pending record among the events is left where it is, as it is: it is published
// anyway, in its place. The delivered and dead records among them are deleted and the events
// enqueued again, so they take new places at the end of the outbox, in their order. The records
// of a dead one's aggregate after it that are not delivered (and not deleted) then move behind
// them, in their order and keeping their state, so that no record of the aggregate is first
// published out of order.
func (s *OutboxStore) Requeue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	if err := storekit.ValidateEnqueue(name, events, at); err != nil {
		return err
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].EventID
	}
	q := s.dl.requeueSQL()
	return InTx(ctx, s.db, func(ctx context.Context) error {
		db := reader(ctx, s.db)
		if q.lock != "" {
			if _, err := db.ExecContext(ctx, q.lock); err != nil {
				return wrapErr(ctx, "requeue: lock the outbox", outboxTable, err)
			}
		}
		idList := s.dl.idList(ids)
		behind, err := scanSeqs(ctx, db, q.behind, name, idList)
		if err != nil {
			return wrapErr(ctx, "requeue: find the records behind the dead letters", outboxTable, err)
		}
		if _, err := db.ExecContext(ctx, q.drop, name, idList); err != nil {
			return wrapErr(ctx, "requeue: drop the earlier records", outboxTable, err)
		}
		if err := s.Enqueue(ctx, name, events, at); err != nil {
			return err
		}
		for _, seq := range behind {
			if _, err := db.ExecContext(ctx, q.move, seq); err != nil {
				return wrapErr(ctx, "requeue: move a record behind the enqueued ones", outboxTable, err)
			}
		}
		return nil
	})
}

// scanSeqs runs query with args and returns the seqs it selects.
func scanSeqs(ctx context.Context, db querier, query string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, err
		}
		seqs = append(seqs, seq)
	}
	return seqs, rows.Err()
}
