package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// maxPreallocate bounds the capacity a page is allocated with, whatever limit the caller asks for.
const maxPreallocate = 1024

const eventColumns = `event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position`

const (
	pgLoadSQL     = `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE aggregate_id = $1 AND sequence > $2 ORDER BY sequence`
	sqliteLoadSQL = `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE aggregate_id = ? AND sequence > ? ORDER BY sequence`

	pgLatestSQL     = `SELECT sequence FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1`
	sqliteLatestSQL = `SELECT sequence FROM pyfly_event_store WHERE aggregate_id = ? ORDER BY sequence DESC LIMIT 1`

	// pgHorizonSQL is the first position no reader may see yet: every transaction with an id below
	// the snapshot's xmin has ended, so positions below xmin × span are final.
	pgHorizonSQL = `pg_snapshot_xmin(pg_current_snapshot())::text::bigint * ` + positionSpanSQL

	// The cursor must be 0 or a position on the stream; when it is not, the page comes back empty
	// and readAll tells the two cases apart.
	pgReadAllSQL = `SELECT ` + eventColumns + ` FROM pyfly_event_store
WHERE global_position > $1 AND global_position < ` + pgHorizonSQL + `
	AND ($1 = 0 OR EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = $1))
ORDER BY global_position LIMIT $2`
	sqliteReadAllSQL = `SELECT ` + eventColumns + ` FROM pyfly_event_store
WHERE global_position > ?1
	AND (?1 = 0 OR EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = ?1))
ORDER BY global_position LIMIT ?2`

	pgPositionExistsSQL     = `SELECT EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = $1)`
	sqlitePositionExistsSQL = `SELECT EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = ?)`

	pgLastPositionSQL = `SELECT coalesce((SELECT global_position FROM pyfly_event_store WHERE global_position < ` + pgHorizonSQL +
		` ORDER BY global_position DESC LIMIT 1), 0)`
	sqliteLastPositionSQL = `SELECT coalesce(max(global_position), 0) FROM pyfly_event_store`
)

func (s *EventStore) sql(pg, sqlite string) string {
	if s.dialect == DialectPostgres {
		return pg
	}
	return sqlite
}

// Load implements es.EventStore: the aggregate's events after afterSequence, in sequence order,
// upcast, with their global positions. An unknown aggregate gives an empty slice.
func (s *EventStore) Load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	if err := storekit.ValidateLoad(aggregateID, afterSequence); err != nil {
		return nil, err
	}
	return s.query(ctx, "load", 0, s.sql(pgLoadSQL, sqliteLoadSQL), aggregateID, afterSequence)
}

// LatestVersion implements es.EventStore: the aggregate's highest sequence, 0 without events.
func (s *EventStore) LatestVersion(ctx context.Context, aggregateID string) (int64, error) {
	if err := storekit.ValidateAggregateID(aggregateID); err != nil {
		return 0, err
	}
	var v int64
	err := reader(ctx, s.db).QueryRowContext(ctx, s.sql(pgLatestSQL, sqliteLatestSQL), aggregateID).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, wrapErr(ctx, "latest version", eventTable, err)
	}
	return v, nil
}

// ReadAll implements es.EventStore: up to limit events with a global position above after, in
// position order. On PostgreSQL it returns only events below the read horizon (see the package
// documentation), so a page can be empty while a transaction that started earlier is still open.
// A cursor that is neither 0 nor a position on the stream is es.ErrInvalidArgument.
func (s *EventStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if err := storekit.ValidateReadAll(after, limit); err != nil {
		return nil, err
	}
	out, err := s.query(ctx, "read all", min(limit, maxPreallocate), s.sql(pgReadAllSQL, sqliteReadAllSQL), after, limit)
	if err != nil || len(out) > 0 || after == 0 {
		return out, err
	}
	var exists bool
	if err := reader(ctx, s.db).QueryRowContext(ctx, s.sql(pgPositionExistsSQL, sqlitePositionExistsSQL), after).Scan(&exists); err != nil {
		return nil, wrapErr(ctx, "read all", eventTable, err)
	}
	if !exists {
		return nil, storekit.InvalidArgument("after: global position %d is not on the stream; use 0 or a position ReadAll returned", after)
	}
	return out, nil
}

// LastPosition implements es.EventStore: the highest position a reader can see now (on
// PostgreSQL the highest below the read horizon), 0 when the stream is empty.
func (s *EventStore) LastPosition(ctx context.Context) (int64, error) {
	var p int64
	if err := reader(ctx, s.db).QueryRowContext(ctx, s.sql(pgLastPositionSQL, sqliteLastPositionSQL)).Scan(&p); err != nil {
		return 0, wrapErr(ctx, "last position", eventTable, err)
	}
	return p, nil
}

// query runs a SELECT of eventColumns and decodes the rows.
func (s *EventStore) query(ctx context.Context, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	if s.dialect == DialectPostgres {
		if st := ambient(ctx, s.db); s.nativeOK(st) {
			return s.queryPgx(ctx, st, op, sizeHint, q, args...)
		}
	}
	rows, err := reader(ctx, s.db).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	defer rows.Close()
	out := make([]es.Envelope, 0, sizeHint)
	var (
		e        es.Envelope
		payload  []byte
		metadata sql.RawBytes
		tenant   sql.NullString
		version  int64
		ocPG     time.Time
		ocText   string
	)
	occurred := any(&ocPG)
	if s.dialect == DialectSQLite {
		occurred = &ocText
	}
	for rows.Next() {
		e = es.Envelope{}
		payload = nil
		if err := rows.Scan(&e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
			&payload, &metadata, occurred, &version, &tenant, &e.GlobalPosition); err != nil {
			return nil, wrapErr(ctx, op, eventTable, err)
		}
		e.Payload = payload
		e.Version = int(version)
		e.TenantID = tenant.String
		if s.dialect == DialectSQLite {
			t, err := parseSQLiteTime(ocText)
			if err != nil {
				return nil, fmt.Errorf("bunstore: %s: event %s: occurred_at %q: %w: %w", op, e.EventID, ocText, es.ErrDecode, err)
			}
			e.OccurredAt = t
		} else {
			e.OccurredAt = ocPG.UTC()
		}
		if e, err = s.finish(op, e, metadata); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	return out, nil
}

// finish decodes the metadata and applies the upcasters.
func (s *EventStore) finish(op string, e es.Envelope, metadata []byte) (es.Envelope, error) {
	var err error
	e.Metadata, err = storekit.DecodeMetadata(metadata)
	if err != nil {
		return e, fmt.Errorf("bunstore: %s: event %s: %w", op, e.EventID, err)
	}
	if len(s.upcasters) > 0 {
		e, err = storekit.ApplyUpcasters(s.upcasters, e)
		if err != nil {
			return e, fmt.Errorf("bunstore: %s: %w", op, err)
		}
	}
	return e, nil
}

// queryPgx is query on the native pgx connection.
func (s *EventStore) queryPgx(ctx context.Context, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	var out []es.Envelope
	var opErr error
	err := s.withPgx(ctx, st, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			opErr = wrapErr(ctx, op, eventTable, err)
			return nil
		}
		defer rows.Close()
		out = make([]es.Envelope, 0, sizeHint)
		var (
			metadata []byte
			tenant   *string
			version  int32
		)
		for rows.Next() {
			var e es.Envelope
			var payload []byte
			tenant = nil
			if err := rows.Scan(&e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
				&payload, &metadata, &e.OccurredAt, &version, &tenant, &e.GlobalPosition); err != nil {
				opErr = wrapErr(ctx, op, eventTable, err)
				return nil
			}
			e.Payload = payload
			e.Version = int(version)
			e.OccurredAt = e.OccurredAt.UTC()
			if tenant != nil {
				e.TenantID = *tenant
			}
			if e, err = s.finish(op, e, metadata); err != nil {
				opErr = err
				return nil
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			opErr = wrapErr(ctx, op, eventTable, err)
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(ctx, op, eventTable, err)
	}
	if opErr != nil {
		return nil, opErr
	}
	return out, nil
}

// HeadPosition returns the highest position stored, visible to readers or not yet (0 when the
// stream is empty). On PostgreSQL, HeadPosition − LastPosition is the read horizon's lag: events
// held back by transactions that are still open. On SQLite it equals LastPosition.
func (s *EventStore) HeadPosition(ctx context.Context) (int64, error) {
	var p int64
	q := s.sql(`SELECT coalesce((SELECT global_position FROM pyfly_event_store ORDER BY global_position DESC LIMIT 1), 0)`, sqliteLastPositionSQL)
	if err := reader(ctx, s.db).QueryRowContext(ctx, q).Scan(&p); err != nil {
		return 0, wrapErr(ctx, "head position", eventTable, err)
	}
	return p, nil
}
