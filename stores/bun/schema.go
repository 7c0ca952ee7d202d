package bunstore

import (
	"context"
	"slices"
	"strings"

	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/uptrace/bun"
)

// schemaDialect is what migrations and schema checks need from a dialect (postgres_schema.go,
// sqlite_schema.go, and the SQL files in migrations/<dialect>).
type schemaDialect interface {
	// describeSQL lists the columns of the table named by its one argument: name, type (upper
	// case), nullable, and whether the column is the table's rowid (SQLite).
	describeSQL() string
	// migrationLockSQL, run first in a transaction, makes concurrent Migrate calls (other
	// pools, other processes) wait for that transaction to end; "" when BEGIN already does.
	migrationLockSQL() string
	// verify refuses stored data the dialect cannot run on; Prepare calls it last.
	verify(ctx context.Context, db *bun.DB) error
	// durabilityWarning says how a crash could lose acknowledged commits on this database
	// (and so rewind global positions), "" when the settings keep them.
	durabilityWarning(ctx context.Context, db *bun.DB) (string, error)
}

// tableColumnsRequired lists what the stores read and write, per table.
type tableColumnsRequired struct {
	table   string
	columns []string
}

func requiredColumns() []tableColumnsRequired {
	return []tableColumnsRequired{
		{eventTable, []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata", "occurred_at", "version", "tenant_id", "global_position", "recorded_at"}},
		{snapshotTable, []string{"aggregate_id", "aggregate_type", "sequence", "payload", "created_at"}},
		{outboxTable, []string{"seq", "outbox", "event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata",
			"occurred_at", "version", "tenant_id", "global_position", "created_at", "attempts", "last_error", "next_attempt_at",
			"last_attempt_at", "delivered_at", "dead", "claimed_by", "claimed_until"}},
		{checkpointTable, []string{"projection", "position", "fence", "updated_at"}},
		{leaseTable, []string{"name", "lock_until", "locked_at", "locked_by", "fence"}},
		{deadLetterTable, []string{"projection", "event_id", "global_position", "aggregate_id", "aggregate_type", "sequence",
			"event_type", "payload", "metadata", "occurred_at", "version", "tenant_id", "attempts", "error", "failed_at", "retry_requested_at"}},
		{memberTable, []string{"group_name", "member", "expires_at"}},
	}
}

// CheckSchema verifies, without changing anything, that the stores' tables and columns exist:
// use it when the schema is managed elsewhere. It checks the given tables ([TableEvents] and the
// other Table constants), or every table when none is given, so that an application without an
// outbox or projections needs none of their tables. The error is a *[SchemaError] (matching
// [ErrSchema]) naming the first table at fault and its column: a missing table or column, or a
// table in one of pyfly's layouts, are resolved by [Migrate] (or the auto-migrate option), which
// adopts pyfly's tables in place; a table in a layout neither writes says to rename it. An
// unknown table name matches es.ErrInvalidArgument.
func CheckSchema(ctx context.Context, db *bun.DB, tables ...string) error {
	dl, err := dialectOf(db)
	if err != nil {
		return err
	}
	want, err := checkedTables(tables)
	if err != nil {
		return err
	}
	return checkColumns(ctx, db, dl, want, false)
}

// checkColumns checks the tables in want. After migrating (migrated), a column still missing is
// one the migrations do not add: the table is in a foreign layout.
func checkColumns(ctx context.Context, db *bun.DB, dl sqlDialect, want map[string]bool, migrated bool) error {
	for _, t := range requiredColumns() {
		if !want[t.table] {
			continue
		}
		have, err := describeTable(ctx, db.DB, dl, t.table)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			return &SchemaError{Table: t.table, Problem: "does not exist", Fix: FixMigrate}
		}
		if !migrated {
			if err := adoptable(dl, t.table, have); err != nil {
				return err
			}
		}
		for _, c := range t.columns {
			if _, ok := have[c]; ok {
				continue
			}
			if migrated {
				return &SchemaError{Table: t.table, Column: c, Fix: FixByHand,
					Problem: "has no column " + c + ", which migrating does not add to a table that exists: its layout is neither this module's nor pyfly's"}
			}
			return &SchemaError{Table: t.table, Column: c, Problem: "has no column " + c, Fix: FixMigrate}
		}
	}
	return nil
}

// adoptable refuses, before migrating, a table in a foreign layout, or one of pyfly's, which
// migrating adopts (naming the first column it adds, or the one it changes).
func adoptable(dl sqlDialect, table string, have map[string]column) error {
	for _, t := range pyflyColumns {
		if t.table != table {
			continue
		}
		if err := foreignTable(t, have); err != nil {
			return err
		}
		if !pyflyLayout(dl, table, have) {
			return nil
		}
		col, diff := pyflyDifference(table, have)
		return &SchemaError{Table: table, Column: col, Fix: FixMigrate, Problem: "is in pyfly's layout (" + diff +
			"): migrating adopts it in place, keeping every row and numbering the events in pyfly's order"}
	}
	return nil
}

// pyflyDifference names the first column a table of pyfly's lacks, and says how it differs from
// this module's.
func pyflyDifference(table string, have map[string]column) (string, string) {
	added := map[string][]string{eventTable: {"global_position", "recorded_at"}, checkpointTable: {"fence"}}[table]
	var missing []string
	for _, c := range added {
		if _, ok := have[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return missing[0], "no column " + strings.Join(missing, ", no column ")
	}
	switch table {
	case eventTable:
		return "global_position", "global_position may be NULL, or a time column has no time zone"
	case snapshotTable:
		return "created_at", "created_at has no time zone"
	}
	return "", "its columns differ"
}

// checkedTables returns the set of tables to check: tables, or every table when none is given.
func checkedTables(tables []string) (map[string]bool, error) {
	all := requiredColumns()
	want := make(map[string]bool, len(all))
	if len(tables) == 0 {
		for _, t := range all {
			want[t.table] = true
		}
		return want, nil
	}
	known := make([]string, len(all))
	for i, t := range all {
		known[i] = t.table
	}
	for _, name := range tables {
		if !slices.Contains(known, name) {
			return nil, storekit.InvalidArgument("bunstore: table %q is not one of the stores' tables (%s)", check.Clip(name, 80), strings.Join(known, ", "))
		}
		want[name] = true
	}
	return want, nil
}

// column is what the schema checks read of a column.
type column struct {
	typ      string // the type as the database names it, upper case
	nullable bool
	pk       bool // SQLite: the table's one INTEGER PRIMARY KEY column, its rowid
}

// describeTable reads the columns of table; none when it does not exist.
func describeTable(ctx context.Context, q querier, dl sqlDialect, table string) (map[string]column, error) {
	rows, err := q.QueryContext(ctx, dl.describeSQL(), table)
	if err != nil {
		return nil, wrapErr(ctx, "check schema", table, err)
	}
	defer rows.Close()
	cols := map[string]column{}
	for rows.Next() {
		var name string
		var c column
		if err := rows.Scan(&name, &c.typ, &c.nullable, &c.pk); err != nil {
			return nil, wrapErr(ctx, "check schema", table, err)
		}
		cols[strings.ToLower(name)] = c
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, "check schema", table, err)
	}
	return cols, nil
}

// tableColumns lists the columns of table by name; none when it does not exist.
func tableColumns(ctx context.Context, q querier, dl sqlDialect, table string) (map[string]bool, error) {
	cols, err := describeTable(ctx, q, dl, table)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(cols))
	for c := range cols {
		have[c] = true
	}
	return have, nil
}

// Prepare readies db for the stores: it runs [Migrate] when migrate is true (every table), else
// [CheckSchema] (the tables of [WithTables], or every table); on PostgreSQL it then refuses a
// database whose stored global positions lie ahead of the server's transaction ids, as after a
// dump restored into another server (see the package documentation for the remedy).
func Prepare(ctx context.Context, db *bun.DB, migrate bool, opts ...PrepareOption) error {
	dl, err := dialectOf(db)
	if err != nil {
		return err
	}
	var cfg prepareConfig
	for i, o := range opts {
		if o == nil {
			return storekit.InvalidArgument("bunstore: Prepare: option %d is nil", i)
		}
		o.applyPrepare(&cfg)
	}
	if migrate {
		err = Migrate(ctx, db)
	} else {
		err = CheckSchema(ctx, db, cfg.tables...)
	}
	if err != nil {
		return err
	}
	if migrate || len(cfg.tables) == 0 || slices.Contains(cfg.tables, eventTable) {
		if err := dl.verify(ctx, db); err != nil {
			return err
		}
	}
	warning, err := dl.durabilityWarning(ctx, db)
	if err != nil {
		return err
	}
	if warning != "" && cfg.logger != nil {
		cfg.logger.WarnContext(ctx, "bunstore: "+warning)
	}
	return nil
}
