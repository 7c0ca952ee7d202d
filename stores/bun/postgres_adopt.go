package bunstore

import (
	"cmp"
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// pgNumberingChunk is how many events one adoption step numbers: each step is a transaction,
// whose id gives its events their positions, and a transaction owns fewer than positionSpan.
const pgNumberingChunk = 1 << 19

// pgTimestamp is information_schema's name of a time column without a time zone, which pyfly's
// first generation writes (naive UTC).
const pgTimestamp = "TIMESTAMP WITHOUT TIME ZONE"

// pgTimestamptz is the type every time column of this module has.
const pgTimestamptz = "TIMESTAMP WITH TIME ZONE"

// needsAdoption: the event table lacks global_position or recorded_at, lets either be NULL, or
// keeps occurred_at without a time zone (pyfly's first generation); the snapshot table keeps
// created_at without one; the checkpoint table (pyfly's newer generation) has no fence.
func (postgresDialect) needsAdoption(table string, cols map[string]column) bool {
	switch table {
	case eventTable:
		gp, hasGP := cols["global_position"]
		rec, hasRec := cols["recorded_at"]
		return !hasGP || !hasRec || gp.nullable || rec.nullable || cols["occurred_at"].typ != pgTimestamptz
	case snapshotTable:
		return cols["created_at"].typ != pgTimestamptz
	case checkpointTable:
		_, ok := cols["fence"]
		return !ok
	}
	return false
}

func (d postgresDialect) adoptStep(ctx context.Context, tx bun.Tx, table string, cols map[string]column) (bool, error) {
	switch table {
	case eventTable:
		return d.adoptEvents(ctx, tx, cols)
	case snapshotTable:
		if err := utcTimestamp(table, "created_at", cols); err != nil {
			return false, err
		}
		return false, execAll(ctx, tx, `ALTER TABLE pyfly_snapshots ALTER COLUMN created_at TYPE TIMESTAMPTZ USING created_at AT TIME ZONE 'UTC'`)
	case checkpointTable:
		return false, execAll(ctx, tx, `ALTER TABLE pyfly_projection_checkpoints ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0`)
	}
	return false, nil
}

// utcTimestamp refuses a time column that is neither TIMESTAMPTZ nor a TIMESTAMP holding UTC.
func utcTimestamp(table, name string, cols map[string]column) error {
	if c, ok := cols[name]; ok && c.typ != pgTimestamptz && c.typ != pgTimestamp {
		return &SchemaError{Table: table, Column: name, Fix: FixByHand,
			Problem: "has column " + name + " of type " + strings.ToLower(c.typ) + ", where pyfly and this module keep a timestamp"}
	}
	return nil
}

// pgNumberSQL gives the next events without a position theirs, in pyfly's order, from this
// transaction's span of positions (as if it appended them), and records them now where pyfly
// left recorded_at empty. Argument: $1 how many at most.
const pgNumberSQL = `WITH base AS MATERIALIZED (
	SELECT pg_current_xact_id()::text::bigint * ` + positionSpanSQL + ` AS base
), todo AS MATERIALIZED (
	SELECT event_id, row_number() OVER (ORDER BY coalesce(recorded_at, occurred_at), aggregate_id, sequence) AS n
	FROM pyfly_event_store WHERE global_position IS NULL
	ORDER BY coalesce(recorded_at, occurred_at), aggregate_id, sequence
	LIMIT $1
)
UPDATE pyfly_event_store AS e SET global_position = base.base + todo.n, recorded_at = coalesce(e.recorded_at, e.occurred_at)
FROM base, todo WHERE e.event_id = todo.event_id`

// adoptEvents adds what the event table lacks, numbers up to pgNumberingChunk events without a
// position and, when none is left, makes both columns required, and gives the table its
// defaults (migration 0007: an INSERT that leaves global_position out, as pyfly's does, takes
// one from its transaction's id). Writers wait on the table's lock meanwhile. When the table
// records pyfly's head-row strategy, it records xid8 from now on: pyfly services that follow the
// recorded strategy then read below the horizon, as this store does.
func (d postgresDialect) adoptEvents(ctx context.Context, tx bun.Tx, cols map[string]column) (bool, error) {
	for _, name := range []string{"occurred_at", "recorded_at"} {
		if err := utcTimestamp(eventTable, name, cols); err != nil {
			return false, err
		}
	}
	var alter []string
	if _, ok := cols["global_position"]; !ok {
		alter = append(alter, "ADD COLUMN global_position BIGINT NULL")
	}
	if _, ok := cols["recorded_at"]; !ok {
		alter = append(alter, "ADD COLUMN recorded_at TIMESTAMPTZ NULL")
	}
	for _, name := range []string{"occurred_at", "recorded_at"} {
		if cols[name].typ == pgTimestamp {
			alter = append(alter, "ALTER COLUMN "+name+" TYPE TIMESTAMPTZ USING "+name+" AT TIME ZONE 'UTC'")
		}
	}
	stmts := []string{`LOCK TABLE pyfly_event_store IN SHARE ROW EXCLUSIVE MODE`}
	if len(alter) > 0 {
		stmts = append(stmts, "ALTER TABLE pyfly_event_store "+strings.Join(alter, ", "))
	}
	// pyfly's newer generation names the unique index of the positions its own way; migration
	// 0001 would add a second one beside it.
	stmts = append(stmts, `DO $$ BEGIN
	IF to_regclass('ix_pyfly_event_store_global_position') IS NOT NULL AND to_regclass('pyfly_event_store_global_position_key') IS NULL THEN
		ALTER INDEX ix_pyfly_event_store_global_position RENAME TO pyfly_event_store_global_position_key;
	END IF;
END $$`)
	if err := execAll(ctx, tx, stmts...); err != nil {
		return false, err
	}
	chunk := int64(cmp.Or(d.numberChunk, pgNumberingChunk))
	res, err := tx.Tx.ExecContext(ctx, pgNumberSQL, chunk)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == chunk {
		return err == nil, err
	}
	defaults, err := migrationStatements(postgresDialect{}, "0007_event_store_default_position")
	if err != nil {
		return false, err
	}
	return false, execAll(ctx, tx, append([]string{
		`UPDATE pyfly_event_store SET recorded_at = occurred_at WHERE recorded_at IS NULL`,
		`ALTER TABLE pyfly_event_store ALTER COLUMN global_position SET NOT NULL, ALTER COLUMN recorded_at SET NOT NULL,
	ALTER COLUMN recorded_at SET DEFAULT now()`,
		`DO $$ BEGIN
	IF to_regclass('pyfly_event_store_head') IS NOT NULL THEN
		UPDATE pyfly_event_store_head SET strategy = 'xid8' WHERE store = 'pyfly_event_store' AND strategy <> 'xid8';
	END IF;
END $$`}, defaults...)...)
}
