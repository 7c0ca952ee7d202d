package bunstore

import (
	"context"
	"database/sql"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// maxPreallocate bounds the capacity a page is allocated with, whatever limit the caller asks for.
const maxPreallocate = 1024

// Load implements es.EventStore: the aggregate's events after afterSequence, in sequence order,
// upcast, with their global positions. An unknown aggregate gives an empty slice.
func (s *EventStore) Load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	if s.obs == nil {
		return s.load(ctx, aggregateID, afterSequence)
	}
	op := es.Op{Kind: es.OpLoad, System: s.system, AggregateID: aggregateID, After: afterSequence}
	return storekit.ObserveRead(ctx, s.obs, op, func(ctx context.Context) ([]es.Envelope, error) {
		return s.load(ctx, aggregateID, afterSequence)
	})
}

// load is Load without the observer.
func (s *EventStore) load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	if err := storekit.ValidateLoad(aggregateID, afterSequence); err != nil {
		return nil, err
	}
	out, err := s.query(ctx, "load", 0, s.q.load, aggregateID, afterSequence)
	if err != nil {
		return nil, aboutAggregate(err, aggregateID, "")
	}
	return out, nil
}

// LatestVersion implements es.EventStore: the aggregate's highest sequence, 0 without events.
func (s *EventStore) LatestVersion(ctx context.Context, aggregateID string) (int64, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return 0, err
	}
	var v int64
	err := reader(ctx, s.db).QueryRowContext(ctx, s.q.latest, aggregateID).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, aboutAggregate(wrapErr(ctx, "latest version", eventTable, err), aggregateID, "")
	}
	return v, nil
}

// ReadAll implements es.EventStore: up to limit events with a global position above after, in
// position order. On PostgreSQL it returns only events below the read horizon (see the package
// documentation), so a page can be empty while a transaction that started earlier is still open.
// A cursor that is neither 0 nor a position on the stream is es.ErrInvalidArgument. A row that
// does not decode ends the page with an *es.DecodeError, after the events before it.
func (s *EventStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if s.obs == nil {
		return s.readAll(ctx, after, limit)
	}
	op := es.Op{Kind: es.OpReadAll, System: s.system, After: after}
	return storekit.ObserveRead(ctx, s.obs, op, func(ctx context.Context) ([]es.Envelope, error) { return s.readAll(ctx, after, limit) })
}

// readAll is ReadAll without the observer.
func (s *EventStore) readAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if err := storekit.ValidateReadAll(after, limit); err != nil {
		return nil, err
	}
	out, err := s.query(ctx, "read all", min(limit, maxPreallocate), s.q.readAll, after, limit)
	if err != nil || len(out) > 0 || after == 0 {
		return out, err
	}
	var exists bool
	if err := reader(ctx, s.db).QueryRowContext(ctx, s.q.positionExists, after).Scan(&exists); err != nil {
		return nil, wrapErr(ctx, "read all", eventTable, err)
	}
	if !exists {
		return nil, storekit.InvalidArgument("after: global position %d is not on the stream: it was never returned by ReadAll, "+
			"or the events at and after it were lost (a crash with synchronous_commit or fsync off, a failover to an asynchronous standby, "+
			"a restore from an older backup) and readers could miss events: rebuild the reader from 0 or resume from a position on the stream", after)
	}
	return out, nil
}

// LastPosition implements es.EventStore: the highest position a reader can see now (on
// PostgreSQL the highest below the read horizon), 0 when the stream is empty.
func (s *EventStore) LastPosition(ctx context.Context) (int64, error) {
	return s.position(ctx, "last position", s.q.lastPosition)
}

// HeadPosition returns the highest position stored, visible to readers or not yet (0 when the
// stream is empty). On PostgreSQL, HeadPosition − LastPosition is the read horizon's lag: events
// held back by transactions that are still open. On SQLite it equals LastPosition.
func (s *EventStore) HeadPosition(ctx context.Context) (int64, error) {
	return s.position(ctx, "head position", s.q.headPosition)
}

func (s *EventStore) position(ctx context.Context, op, q string) (int64, error) {
	var p int64
	if err := reader(ctx, s.db).QueryRowContext(ctx, q).Scan(&p); err != nil {
		return 0, wrapErr(ctx, op, eventTable, err)
	}
	return p, nil
}

// query runs a SELECT of eventColumns through the dialect and decodes the rows.
func (s *EventStore) query(ctx context.Context, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	return s.dl.queryEvents(ctx, s, ambient(ctx, s.db), op, sizeHint, q, args...)
}

// queryEventsSQL is queryEvents through database/sql, which every dialect can use.
func queryEventsSQL(ctx context.Context, s *EventStore, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	rows, err := querierOf(st, s.db).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	return scanEvents(ctx, s, op, sizeHint, rows)
}

// scanEvents decodes rows of eventColumns and closes them; a row in pyfly's format takes its
// payload, metadata and time from the envelope (see fromPyfly). A row that does not decode ends
// the page: the events before it come back with its *es.DecodeError.
func scanEvents(ctx context.Context, s *EventStore, op string, sizeHint int, rows *sql.Rows) ([]es.Envelope, error) {
	defer rows.Close()
	out := make([]es.Envelope, 0, sizeHint)
	var (
		e        es.Envelope
		payload  []byte
		metadata sql.RawBytes
		tenant   sql.NullString
		version  int64
		occurred dbTime
	)
	for rows.Next() {
		e = es.Envelope{}
		payload = nil
		if err := rows.Scan(&e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
			&payload, &metadata, &occurred, &version, &tenant, &e.GlobalPosition); err != nil {
			return nil, wrapErr(ctx, op, eventTable, err)
		}
		e.Payload = payload
		e.Version = int(version)
		e.TenantID = tenant.String
		md, pyfly, err := fromPyfly(&e)
		switch {
		case err != nil:
			return out, undecodable(op, e, err)
		case !pyfly:
			md = metadata
			if e.OccurredAt, err = occurred.UTC(); err != nil {
				return out, undecodable(op, e, fmt.Errorf("occurred_at: %w", err))
			}
		}
		if e, err = s.finish(op, e, md); err != nil {
			return out, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	return out, nil
}

// finish decodes the metadata, checks the payload and applies the upcasters (see
// storekit.DecodeEvent).
func (s *EventStore) finish(op string, e es.Envelope, metadata []byte) (es.Envelope, error) {
	e, err := storekit.DecodeEvent(e, metadata, s.upcasters)
	if err != nil {
		return e, fmt.Errorf("bunstore: %s: %w", op, err)
	}
	return e, nil
}

// undecodable is the error of a row that does not decode: an *es.DecodeError naming e, as far as
// it was read (see storekit.Undecodable).
func undecodable(op string, e es.Envelope, cause error) error {
	return fmt.Errorf("bunstore: %s: %w", op, storekit.Undecodable(e, cause))
}
