package bunstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// migrationFS holds the migrations of each dialect, in migrations/<dialect>/. A file is
// NNNN_name.tx.up.sql: bun/migrate names the migration NNNN (four digits, so names sort as
// numbers), runs the file in one transaction, and splits it into statements at --bun:split lines.
//
//go:embed migrations
var migrationFS embed.FS

// The bookkeeping tables, apart from the application's own bun migrations.
const (
	migrationTable = "pyfly_es_migrations"
	// migrationLocksTable is named so that bun never touches the application's
	// bun_migration_locks. Migrate does not use bun's row lock (a process that dies while holding
	// it leaves it behind); it serialises on transaction-scoped locks instead.
	migrationLocksTable = "pyfly_es_migration_locks"
)

// errAppliedElsewhere reports a migration that another process applied after this one read
// pyfly_es_migrations: Migrate reads the table again and goes on.
var errAppliedElsewhere = errors.New("bunstore: migration applied by another process")

// Migrate creates or upgrades the tables of all six stores (pyfly_event_store, pyfly_snapshots,
// pyfly_outbox, pyfly_projection_checkpoints, pyfly_locks and pyfly_projection_dead_letters; see
// [TableEvents] and the other Table constants) from the SQL files embedded for db's dialect,
// with github.com/uptrace/bun/migrate, recording each migration in pyfly_es_migrations (bun's
// format; a table in the format of earlier releases, with version, name and applied_at columns,
// is converted in place first). Calling it again is a no-op.
//
// Tables pyfly made, with either generation's DDL, are adopted in place first, keeping every row
// (see the package documentation): the event table gets global_position and recorded_at, and its
// events are numbered in pyfly's documented order, below every position given later. A table in
// a layout neither this module nor pyfly writes is refused with a *[SchemaError] naming it and
// the column at fault; so is one the migrations leave without a column the stores need.
//
// It is safe to call concurrently from several pools and processes, and a process that dies
// half-way blocks no one: the bookkeeping table is created or converted under a
// transaction-scoped lock (a PostgreSQL advisory lock; the SQLite write lock of BEGIN
// IMMEDIATE), and each migration runs in its own transaction that first records it, so a second
// process waits for that record on the unique name and skips a migration that committed. A
// database that has migrations this code does not know (written by a newer release) is left as
// it is.
func Migrate(ctx context.Context, db *bun.DB) error {
	dl, err := dialectOf(db)
	if err != nil {
		return err
	}
	ms, err := dialectMigrations(dl)
	if err != nil {
		return err
	}
	if err := prepareMigrationTable(ctx, db, dl); err != nil {
		return err
	}
	if err := adopt(ctx, db, dl); err != nil {
		return err
	}
	m := migrate.NewMigrator(db, ms,
		migrate.WithTableName(migrationTable),
		migrate.WithLocksTableName(migrationLocksTable),
		// claimMigration records each migration inside its transaction; bun's own record,
		// after the commit, then only updates that row.
		migrate.WithMarkAppliedOnSuccess(true),
		migrate.WithUpsert(true),
		migrate.BeforeMigration(claimMigration),
	)
	// Every errAppliedElsewhere means another process applied a migration this one had not
	// seen, so there are at most as many retries as migrations.
	for retries := len(ms.Sorted()); ; retries-- {
		_, err := m.Migrate(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, errAppliedElsewhere) || retries == 0 {
			return migrationError(ctx, dl, ms, err)
		}
	}
	all, _ := checkedTables(nil)
	return checkColumns(ctx, db, dl, all, true)
}

// migrationError words the error of a failed migration: which one, the tables it creates or
// upgrades, and that it was rolled back. A table it cannot upgrade (a column or table it expects
// is missing) is a *SchemaError naming it; errors outside any migration name the bookkeeping
// table.
func migrationError(ctx context.Context, dl sqlDialect, ms *migrate.Migrations, err error) error {
	name, _, ok := strings.Cut(err.Error(), ": up: ")
	if !ok || ctx.Err() != nil {
		return wrapErr(ctx, "migrate", migrationTable, err)
	}
	file := name
	for _, m := range ms.Sorted() {
		if m.Name == name {
			file = m.Name + "_" + m.Comment
		}
	}
	tables := strings.Join(migrationTables(dl, file), ", ")
	switch classify(err).kind {
	case kindUndefinedColumn, kindUndefinedTable:
		return &SchemaError{Table: tables, Fix: FixByHand, Err: err,
			Problem: "is in a layout neither this module nor pyfly writes: migration " + file + " cannot upgrade it (it was rolled back)"}
	case kindBusy, kindLockTimeout, kindStatementTimeout, kindSerialization:
		return wrapErr(ctx, "migrate: migration "+file+" on "+tables, tables, err)
	}
	return fmt.Errorf("bunstore: migrate: migration %s (%s) failed and was rolled back: %w", file, tables, err)
}

// migrationTables lists the stores' tables the migration file (NNNN_comment) of dl names.
func migrationTables(dl sqlDialect, file string) []string {
	stmts, _ := migrationStatements(dl, file)
	text := strings.Join(stmts, "\n")
	var out []string
	for _, t := range requiredColumns() {
		if strings.Contains(text, t.table+" ") || strings.Contains(text, t.table+"\n") || strings.Contains(text, t.table+"(") {
			out = append(out, t.table)
		}
	}
	if len(out) == 0 {
		out = append(out, migrationTable)
	}
	return out
}

// dialectMigrations discovers the SQL files of dl's dialect.
func dialectMigrations(dl sqlDialect) (*migrate.Migrations, error) {
	dir, err := fs.Sub(migrationFS, "migrations/"+string(dl.name()))
	if err != nil {
		return nil, fmt.Errorf("bunstore: migrations for %s: %w", dl.name(), err)
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(dir); err != nil {
		return nil, fmt.Errorf("bunstore: migrations for %s: %w", dl.name(), err)
	}
	return ms, nil
}

// claimMigration runs first in each migration's transaction: it records the migration, which
// makes a concurrent Migrate wait on the unique name until this transaction ends, and returns
// errAppliedElsewhere when another process recorded it first.
func claimMigration(ctx context.Context, conn bun.IConn, m *migrate.Migration) error {
	tx, ok := conn.(bun.Tx)
	if !ok {
		return fmt.Errorf("bunstore: migration %s_%s must run in a transaction: name it %s_%s.tx.up.sql", m.Name, m.Comment, m.Name, m.Comment)
	}
	_, err := tx.NewInsert().Model(&migrate.Migration{Name: m.Name, GroupID: m.GroupID}).ModelTableExpr(migrationTable).Exec(ctx)
	if err != nil && isUniqueViolation(err) {
		return errAppliedElsewhere
	}
	return err
}

// prepareMigrationTable creates pyfly_es_migrations in bun's format, with the unique index on
// name that claimMigration and bun's upsert rely on, under the dialect's migration lock. A table
// left by the runner of earlier releases (version, name, applied_at) is converted: version n
// becomes the name of file n (NNNN), all in group 1, applied_at kept.
func prepareMigrationTable(ctx context.Context, db *bun.DB, dl sqlDialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(ctx, "migrate: begin", migrationTable, err)
	}
	defer func() { _ = tx.Rollback() }()
	if lock := dl.migrationLockSQL(); lock != "" {
		if _, err := tx.Tx.ExecContext(ctx, lock); err != nil {
			return wrapErr(ctx, "migrate: lock", migrationTable, err)
		}
	}
	cols, err := tableColumns(ctx, tx.Tx, dl, migrationTable)
	if err != nil {
		return err
	}
	if cols["id"] {
		return nil // bun's format already
	}
	var legacy []migrate.Migration
	if cols["version"] {
		if legacy, err = readLegacyMigrations(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.NewDropTable().TableExpr(migrationTable).Exec(ctx); err != nil {
			return wrapErr(ctx, "migrate: convert "+migrationTable, migrationTable, err)
		}
	}
	if _, err := tx.NewCreateTable().Model((*migrate.Migration)(nil)).ModelTableExpr(migrationTable).IfNotExists().Exec(ctx); err != nil {
		return wrapErr(ctx, "migrate: create "+migrationTable, migrationTable, err)
	}
	if _, err := tx.NewCreateIndex().Unique().TableExpr(migrationTable).Index(migrationTable + "_name_unique").Column("name").IfNotExists().Exec(ctx); err != nil {
		return wrapErr(ctx, "migrate: create "+migrationTable, migrationTable, err)
	}
	if len(legacy) > 0 {
		if _, err := tx.NewInsert().Model(&legacy).ModelTableExpr(migrationTable).Exec(ctx); err != nil {
			return wrapErr(ctx, "migrate: convert "+migrationTable, migrationTable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrapErr(ctx, "migrate: commit", migrationTable, err)
	}
	return nil
}

// readLegacyMigrations reads the rows of the earlier format as bun migrations.
func readLegacyMigrations(ctx context.Context, tx bun.Tx) ([]migrate.Migration, error) {
	rows, err := tx.Tx.QueryContext(ctx, "SELECT version, applied_at FROM "+migrationTable+" ORDER BY version")
	if err != nil {
		return nil, wrapErr(ctx, "migrate: read "+migrationTable, migrationTable, err)
	}
	defer rows.Close()
	var out []migrate.Migration
	for rows.Next() {
		var (
			version int64
			applied dbTime
		)
		if err := rows.Scan(&version, &applied); err != nil {
			return nil, wrapErr(ctx, "migrate: read "+migrationTable, migrationTable, err)
		}
		at, err := applied.UTC()
		if err != nil {
			return nil, fmt.Errorf("bunstore: migrate: %s version %d: applied_at: %w", migrationTable, version, err)
		}
		out = append(out, migrate.Migration{Name: fmt.Sprintf("%04d", version), GroupID: 1, MigratedAt: at})
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, "migrate: read "+migrationTable, migrationTable, err)
	}
	return out, nil
}
