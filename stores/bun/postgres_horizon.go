package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
)

// pgHorizonPositionsSQL reads the newest position, the newest readable one and how many events
// wait beyond the horizon, in one snapshot.
const pgHorizonPositionsSQL = `SELECT (` + pgHeadPositionSQL + `),
	coalesce((SELECT global_position FROM pyfly_event_store WHERE global_position < ` + pgHorizonSQL + `
		ORDER BY global_position DESC LIMIT 1), 0),
	(SELECT count(*) FROM pyfly_event_store WHERE global_position >= ` + pgHorizonSQL + `)`

// pgHorizonHolderSQL finds the oldest transaction with a transaction id, in any database of the
// server: the snapshot's xmin is its id, so it holds the horizon. A prepared transaction
// (pg_prepared_xacts) holds it too. Sessions of other roles show their columns only to roles
// with pg_read_all_stats.
const pgHorizonHolderSQL = `SELECT pid, application_name, state, database, usr, xact_start, age_seconds FROM (
	SELECT a.pid, coalesce(a.application_name, '') AS application_name, coalesce(a.state, '') AS state,
		coalesce(a.datname, '') AS database, coalesce(a.usename, '') AS usr, a.xact_start,
		coalesce(extract(epoch FROM clock_timestamp() - a.xact_start), 0)::float8 AS age_seconds, age(a.backend_xid) AS xid_age
	FROM pg_stat_activity AS a
	WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
	UNION ALL
	SELECT 0, 'prepared transaction ' || p.gid, 'prepared', p.database, p.owner, p.prepared,
		extract(epoch FROM clock_timestamp() - p.prepared)::float8, age(p.transaction)
	FROM pg_prepared_xacts AS p
) AS t ORDER BY xid_age DESC LIMIT 1`

// horizonRow is what the dialect reads of the horizon.
type horizonRow struct {
	newest, readable, waiting int64
	holder                    *inspect.HorizonHolder
}

// horizon reads the positions, then the oldest transaction holding an id.
func (postgresDialect) horizon(ctx context.Context, q querier) (horizonRow, error) {
	var h horizonRow
	if err := q.QueryRowContext(ctx, pgHorizonPositionsSQL).Scan(&h.newest, &h.readable, &h.waiting); err != nil {
		return h, wrapErr(ctx, "read the horizon", eventTable, err)
	}
	var (
		holder inspect.HorizonHolder
		start  sql.NullTime
		age    float64
	)
	err := q.QueryRowContext(ctx, pgHorizonHolderSQL).Scan(&holder.PID, &holder.ApplicationName, &holder.State,
		&holder.Database, &holder.User, &start, &age)
	if errors.Is(err, sql.ErrNoRows) {
		return h, nil
	}
	if err != nil {
		return h, wrapErr(ctx, "find the transaction holding the horizon", eventTable, err)
	}
	if start.Valid {
		holder.TransactionStart = start.Time.UTC()
	}
	holder.Age = time.Duration(math.Round(age * float64(time.Second)))
	h.holder = &holder
	return h, nil
}
