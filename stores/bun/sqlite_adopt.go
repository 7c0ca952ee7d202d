package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// needsAdoption: the event table lacks global_position or recorded_at, or lets global_position
// be NULL outside the rowid (pyfly's newer generation); the checkpoint table has no fence. The
// layout of this module's releases before migration 0005 is that migration's to rebuild.
func (sqliteDialect) needsAdoption(table string, cols map[string]column) bool {
	switch table {
	case eventTable:
		gp, hasGP := cols["global_position"]
		_, hasRec := cols["recorded_at"]
		return !hasGP || !hasRec || gp.nullable && !gp.pk
	case checkpointTable:
		_, ok := cols["fence"]
		return !ok
	}
	return false
}

// sqliteNumberSQL gives the events without a position theirs, after the highest one, in pyfly's
// order: the time it recorded them (its first generation recorded none: when they occurred),
// then aggregate id and sequence. julianday reads each of the ISO forms pyfly stores; equal
// instants keep the order of their text.
const sqliteNumberSQL = `UPDATE pyfly_event_store SET global_position = b.base + t.n
FROM (SELECT coalesce(max(global_position), 0) AS base FROM pyfly_event_store) AS b,
	(SELECT event_id, row_number() OVER (ORDER BY julianday(coalesce(recorded_at, occurred_at)), coalesce(recorded_at, occurred_at),
		aggregate_id, sequence) AS n
	FROM pyfly_event_store WHERE global_position IS NULL) AS t
WHERE pyfly_event_store.event_id = t.event_id`

func (d sqliteDialect) adoptStep(ctx context.Context, tx bun.Tx, table string, cols map[string]column) (bool, error) {
	switch table {
	case eventTable:
		return false, d.adoptEvents(ctx, tx, cols)
	case checkpointTable:
		return false, execAll(ctx, tx, `ALTER TABLE pyfly_projection_checkpoints ADD COLUMN fence BIGINT NOT NULL DEFAULT 0`)
	}
	return false, nil
}

// adoptEvents adds what the event table lacks, numbers its events, records the ones pyfly left
// without a recording time at the time they occurred, and rebuilds the table around its
// positions as migration 0005 does: all in the one transaction, which holds the write lock.
func (sqliteDialect) adoptEvents(ctx context.Context, tx bun.Tx, cols map[string]column) error {
	var stmts []string
	if _, ok := cols["global_position"]; !ok {
		stmts = append(stmts, `ALTER TABLE pyfly_event_store ADD COLUMN global_position INTEGER NULL`)
	}
	if _, ok := cols["recorded_at"]; !ok {
		stmts = append(stmts, `ALTER TABLE pyfly_event_store ADD COLUMN recorded_at TEXT NULL`)
	}
	rebuild, err := migrationStatements(sqliteDialect{}, "0005_event_store_rowid")
	if err != nil {
		return err
	}
	stmts = append(stmts, sqliteNumberSQL,
		`UPDATE pyfly_event_store SET recorded_at = coalesce(strftime('`+sqliteRecordedLayout+`', occurred_at), strftime('`+sqliteRecordedLayout+`', 'now'))
	WHERE recorded_at IS NULL`)
	return execAll(ctx, tx, append(stmts, rebuild...)...)
}

// sqliteRecordedLayout is the strftime form of recorded_at's default (migration 0001).
const sqliteRecordedLayout = "%Y-%m-%dT%H:%M:%fZ"
