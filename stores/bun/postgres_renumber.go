package bunstore

import (
	"context"
	"fmt"
)

// The statements of a renumbering, run in order in one transaction (see [Admin.Renumber]).
const (
	pgRenumberLock = `LOCK TABLE pyfly_event_store, pyfly_projection_checkpoints, pyfly_projection_dead_letters, pyfly_outbox IN EXCLUSIVE MODE`
	// pgRenumberState: the highest position, the limit the server's transaction ids give, this
	// transaction's id (assigning it), the oldest transaction id still running, the events and
	// the lowest position.
	pgRenumberState = `SELECT (` + pgHeadPositionSQL + `), pg_snapshot_xmax(pg_current_snapshot())::text::bigint * ` + positionSpanSQL + `,
	pg_current_xact_id()::text::bigint, pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
	(SELECT count(*) FROM pyfly_event_store), coalesce((SELECT min(global_position) FROM pyfly_event_store), 0)`
	pgRenumberMap = `CREATE TEMPORARY TABLE pyfly_renumber ON COMMIT DROP AS
SELECT global_position AS old, row_number() OVER (ORDER BY global_position) AS new FROM pyfly_event_store`
	pgRenumberMapIndex = `CREATE UNIQUE INDEX ON pyfly_renumber (old)`
	pgRenumberAnalyze  = `ANALYZE pyfly_renumber`
	// pgRenumberEvents moves each event to its new position (negated when the old and new ranges
	// overlap, so the unique index never sees two rows at one position mid-update).
	pgRenumberEvents  = `UPDATE pyfly_event_store AS e SET global_position = m.new * $1::bigint FROM pyfly_renumber AS m WHERE e.global_position = m.old`
	pgRenumberNegated = `UPDATE pyfly_event_store SET global_position = -global_position WHERE global_position < 0`
	// pgRenumberAtOrBefore is the new position of the last event at or before the position p.
	pgRenumberAtOrBefore = `coalesce((SELECT m.new FROM pyfly_renumber AS m WHERE m.old <= %s ORDER BY m.old DESC LIMIT 1), 0)`
	// pgRenumberChecks leaves the records of active versions alone: their position field holds
	// a version number (projection.ActiveRecordName).
	pgRenumberChecks  = `UPDATE pyfly_projection_checkpoints AS c SET position = ` + "%s" + ` WHERE c.position > 0 AND c.projection NOT LIKE '%%@active'`
	pgRenumberLetters = `UPDATE pyfly_projection_dead_letters AS d SET global_position = ` + "%s" + ` WHERE d.global_position > 0`
	pgRenumberOutbox  = `UPDATE pyfly_outbox AS o SET global_position = ` + "%s" + ` WHERE o.global_position > 0`
)

// pgRenumber renumbers in the transaction q runs in.
func pgRenumber(ctx context.Context, q querier) (Renumbered, error) {
	fail := func(step string, err error) (Renumbered, error) {
		return Renumbered{}, wrapErr(ctx, "renumber: "+step, eventTable, err)
	}
	if _, err := q.ExecContext(ctx, pgRenumberLock); err != nil {
		return fail("lock the tables", err)
	}
	var highest, limit, xid, xmin, n, lowest int64
	if err := q.QueryRowContext(ctx, pgRenumberState).Scan(&highest, &limit, &xid, &xmin, &n, &lowest); err != nil {
		return fail("read the positions", err)
	}
	r := Renumbered{Needed: highest >= limit, Events: n, OldFirst: lowest, OldLast: highest}
	if !r.Needed {
		return Renumbered{OldFirst: lowest, OldLast: highest}, nil
	}
	if xmin < xid {
		return Renumbered{}, fmt.Errorf("bunstore: renumber: a transaction of this server holds transaction id %d, older than this one (%d): "+
			"its events would land among the renumbered positions; stop the application and end it (esctl horizon shows it) first", xmin, xid)
	}
	if n >= xid*positionSpan {
		return Renumbered{}, fmt.Errorf("bunstore: renumber: %d events do not fit below this server's transaction id %d × 2^20; "+
			"advance its transaction ids (pg_resetwal -x %d) instead", n, xid, n/positionSpan+1)
	}
	sign := int64(1)
	if lowest <= n {
		sign = -1 // the ranges overlap: negate first
	}
	steps := []struct{ what, sql string }{
		{"map the positions", pgRenumberMap},
		{"index the map", pgRenumberMapIndex},
		{"analyze the map", pgRenumberAnalyze},
	}
	for _, s := range steps {
		if _, err := q.ExecContext(ctx, s.sql); err != nil {
			return fail(s.what, err)
		}
	}
	if _, err := q.ExecContext(ctx, pgRenumberEvents, sign); err != nil {
		return fail("move the events", err)
	}
	if sign < 0 {
		if _, err := q.ExecContext(ctx, pgRenumberNegated); err != nil {
			return fail("move the events", err)
		}
	}
	moves := []struct {
		what, sql, column string
		count             *int64
	}{
		{"move the checkpoints", pgRenumberChecks, "c.position", &r.Checkpoints},
		{"move the dead letters", pgRenumberLetters, "d.global_position", &r.DeadLetters},
		{"move the outbox records", pgRenumberOutbox, "o.global_position", &r.OutboxRecords},
	}
	for _, m := range moves {
		res, err := q.ExecContext(ctx, fmt.Sprintf(m.sql, fmt.Sprintf(pgRenumberAtOrBefore, m.column)))
		if err != nil {
			return fail(m.what, err)
		}
		if *m.count, err = res.RowsAffected(); err != nil {
			return fail(m.what, err)
		}
	}
	return r, nil
}
