package bunstore

import (
	"context"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ outbox.ReplayStore = (*OutboxStore)(nil)

// Requeue implements outbox.ReplayStore: in one transaction (the one ctx carries, when on the
// store's DB) it deletes the records of the events' ids and enqueues the events again, so they
// take new places at the end of the outbox, in their order.
func (s *OutboxStore) Requeue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	if err := storekit.ValidateEnqueue(name, events, at); err != nil {
		return err
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].EventID
	}
	drop := `DELETE FROM pyfly_outbox WHERE outbox = ?1 AND event_id IN (SELECT value FROM json_each(?2))`
	if s.dl.name() == DialectPostgres {
		drop = `DELETE FROM pyfly_outbox WHERE outbox = $1 AND event_id = ANY ($2::text[])`
	}
	return InTx(ctx, s.db, func(ctx context.Context) error {
		if _, err := reader(ctx, s.db).ExecContext(ctx, drop, name, s.dl.idList(ids)); err != nil {
			return wrapErr(ctx, "requeue: drop the earlier records", outboxTable, err)
		}
		return s.Enqueue(ctx, name, events, at)
	})
}
