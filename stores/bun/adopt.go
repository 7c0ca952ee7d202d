package bunstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/uptrace/bun"
)

// pyflyColumns lists, per table pyfly also keeps, the columns every layout of it has: pyfly's
// first generation (the seed's DDL), its newer one and this module's. A table that lacks one was
// made by something else, and is not adopted.
var pyflyColumns = []tableColumnsRequired{
	{eventTable, []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata", "occurred_at", "version", "tenant_id"}},
	{snapshotTable, []string{"aggregate_id", "aggregate_type", "sequence", "payload", "created_at"}},
	{checkpointTable, []string{"projection", "position", "updated_at"}},
	{leaseTable, []string{"name", "lock_until", "locked_at", "locked_by", "fence"}},
}

// adoptDialect is what adoption needs from a dialect (postgres_adopt.go, sqlite_adopt.go).
type adoptDialect interface {
	// needsAdoption reports whether table, with columns cols, is in a layout of pyfly's that
	// adoptStep brings to this module's.
	needsAdoption(table string, cols map[string]column) bool
	// adoptStep runs one step of the adoption of table inside tx (its own transaction, under the
	// migration lock), cols read in it; more reports steps left (another transaction follows).
	adoptStep(ctx context.Context, tx bun.Tx, table string, cols map[string]column) (more bool, err error)
}

// adopt brings the tables pyfly made (the seed's DDL, or its newer generation's) to the layout
// the migrations expect, in place, before they run: the event table gets global_position and
// recorded_at, with its events numbered in pyfly's documented order (oldest occurred_at first,
// then aggregate id and sequence) below any position given later; the snapshot and checkpoint
// tables get what they lack. Each step is a transaction of its own under the migration lock that
// reads the table again first, so adopt never stops half way through a step, runs once however
// many processes migrate, and picks up where an interrupted run stopped. A table that lacks a
// column every layout has is refused with a *SchemaError naming it.
func adopt(ctx context.Context, db *bun.DB, dl sqlDialect) error {
	for _, t := range pyflyColumns {
		cols, err := describeTable(ctx, db.DB, dl, t.table)
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			continue // Migrate creates it
		}
		if err := foreignTable(t, cols); err != nil {
			return err
		}
		for more := dl.needsAdoption(t.table, cols); more; {
			if more, err = adoptInTx(ctx, db, dl, t.table); err != nil {
				return err
			}
		}
	}
	return nil
}

// adoptInTx runs one adoption step of table in a transaction of its own, under the migration
// lock, on the table as it is then.
func adoptInTx(ctx context.Context, db *bun.DB, dl sqlDialect, table string) (bool, error) {
	op := "migrate: adopt " + table
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, wrapErr(ctx, op, table, err)
	}
	defer func() { _ = tx.Rollback() }()
	if lock := dl.migrationLockSQL(); lock != "" {
		if _, err := tx.Tx.ExecContext(ctx, lock); err != nil {
			return false, wrapErr(ctx, op, table, err)
		}
	}
	cols, err := describeTable(ctx, tx.Tx, dl, table)
	if err != nil || !dl.needsAdoption(table, cols) {
		return false, err // another process adopted it meanwhile
	}
	more, err := dl.adoptStep(ctx, tx, table, cols)
	if err != nil {
		return false, adoptError(ctx, op, table, err)
	}
	if err := tx.Commit(); err != nil {
		return false, adoptError(ctx, op, table, err)
	}
	return more, nil
}

// adoptError words a failed adoption step: nothing of the step was kept, and Migrate can run
// again.
func adoptError(ctx context.Context, op, table string, err error) error {
	if _, ok := err.(*SchemaError); ok {
		return err
	}
	return fmt.Errorf("%w (the step was rolled back: the table is as before it; run bunstore.Migrate again once the cause is gone)", wrapErr(ctx, op, table, err))
}

// foreignTable refuses a table that lacks a column every layout of it has.
func foreignTable(t tableColumnsRequired, cols map[string]column) error {
	for _, c := range t.columns {
		if _, ok := cols[c]; !ok {
			return &SchemaError{Table: t.table, Column: c, Fix: FixByHand,
				Problem: "has no column " + c + ", which every layout of it has (this module's and pyfly's): something else made it"}
		}
	}
	return nil
}

// pyflyLayout reports a table in one of pyfly's layouts that migrating adopts: every column of
// pyflyColumns, and a layout the dialect still has to adopt.
func pyflyLayout(dl sqlDialect, table string, cols map[string]column) bool {
	for _, t := range pyflyColumns {
		if t.table == table {
			return foreignTable(t, cols) == nil && dl.needsAdoption(table, cols)
		}
	}
	return false
}

// migrationStatements returns the statements of the migration file named name (NNNN_comment)
// of dl's dialect, as bun/migrate splits them, without their comment lines: adoption runs some
// of them in its own transaction.
func migrationStatements(dl sqlDialect, name string) ([]string, error) {
	raw, err := fs.ReadFile(migrationFS, path.Join("migrations", string(dl.name()), name+".tx.up.sql"))
	if err != nil {
		return nil, fmt.Errorf("bunstore: migration %s of %s: %w", name, dl.name(), err)
	}
	var out []string
	for _, part := range strings.Split(string(raw), "--bun:split") {
		var lines []string
		for _, l := range strings.Split(part, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if stmt := strings.TrimSpace(strings.Join(lines, "\n")); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out, nil
}

// execAll runs stmts in tx, in order.
func execAll(ctx context.Context, tx bun.Tx, stmts ...string) error {
	for _, s := range stmts {
		if _, err := tx.Tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%w (in: %.80s)", err, s)
		}
	}
	return nil
}
