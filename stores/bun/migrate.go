package bunstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFS embed.FS

// migrationTable records the applied migrations, apart from the application's own.
const migrationTable = "pyfly_es_migrations"

// migration is one embedded SQL file: NNNN_name.sql.
type migration struct {
	version int64
	name    string
	sql     string
}

func migrationsFor(d Dialect) ([]migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("bunstore: migrations for %s: %w", d, err)
	}
	var out []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("bunstore: migration file %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("bunstore: migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate creates or upgrades the stores' tables (pyfly_event_store, pyfly_snapshots) from the
// migrations embedded for db's dialect, recording them in pyfly_es_migrations. It applies all
// pending migrations in one transaction and is safe to call concurrently from several processes:
// on PostgreSQL under an advisory transaction lock (released on commit, rollback or a lost
// connection), on SQLite under the write lock of BEGIN IMMEDIATE. Calling it again is a no-op.
func Migrate(ctx context.Context, db *bun.DB) error {
	dl, err := dialectOf(db)
	if err != nil {
		return err
	}
	ms, err := migrationsFor(dl.name())
	if err != nil {
		return err
	}
	tx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(ctx, "migrate: begin", migrationTable, err)
	}
	defer func() { _ = tx.Rollback() }()
	if lock := dl.migrationLockSQL(); lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return wrapErr(ctx, "migrate: lock", migrationTable, err)
		}
	}
	if _, err := tx.ExecContext(ctx, dl.migrationTableSQL()); err != nil {
		return wrapErr(ctx, "migrate: create "+migrationTable, migrationTable, err)
	}
	applied := map[int64]bool{}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM "+migrationTable)
	if err != nil {
		return wrapErr(ctx, "migrate: read "+migrationTable, migrationTable, err)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return wrapErr(ctx, "migrate: read "+migrationTable, migrationTable, err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return wrapErr(ctx, "migrate: read "+migrationTable, migrationTable, err)
	}
	rows.Close()
	insert := dl.recordMigrationSQL()
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		for _, stmt := range splitStatements(m.sql) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return wrapErr(ctx, fmt.Sprintf("migrate: %04d_%s", m.version, m.name), migrationTable, err)
			}
		}
		if _, err := tx.ExecContext(ctx, insert, m.version, m.name); err != nil {
			return wrapErr(ctx, "migrate: record "+m.name, migrationTable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrapErr(ctx, "migrate: commit", migrationTable, err)
	}
	return nil
}

// splitStatements splits a migration file on semicolons that end a line.
func splitStatements(sql string) []string {
	var out []string
	for _, part := range strings.Split(sql, ";\n") {
		if s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// schemaDialect is what migrations and schema checks need from a dialect (postgres_migrate.go,
// sqlite_migrate.go).
type schemaDialect interface {
	// migrationLockSQL serialises concurrent Migrate calls inside Migrate's transaction; "" when
	// the transaction's BEGIN does.
	migrationLockSQL() string
	// migrationTableSQL creates pyfly_es_migrations if it does not exist.
	migrationTableSQL() string
	// recordMigrationSQL records (version, name) in pyfly_es_migrations.
	recordMigrationSQL() string
	// columnsSQL lists the columns of the table named by its one argument.
	columnsSQL() string
	// verify refuses stored data the dialect cannot run on; Prepare calls it last.
	verify(ctx context.Context, db *bun.DB) error
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
	}
}

// CheckSchema verifies, without changing anything, that the stores' tables and columns exist:
// use it when the schema is managed elsewhere. The error matches [ErrSchema] and names the first
// missing table or column, and says to run Migrate or enable the auto-migrate option.
func CheckSchema(ctx context.Context, db *bun.DB) error {
	dl, err := dialectOf(db)
	if err != nil {
		return err
	}
	for _, t := range requiredColumns() {
		have, err := tableColumns(ctx, db, dl, t.table)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			return fmt.Errorf("%w: table %s does not exist; run bunstore.Migrate or enable the auto-migrate option", ErrSchema, t.table)
		}
		for _, c := range t.columns {
			if !have[c] {
				return fmt.Errorf("%w: table %s has no column %s; run bunstore.Migrate or enable the auto-migrate option", ErrSchema, t.table, c)
			}
		}
	}
	return nil
}

func tableColumns(ctx context.Context, db *bun.DB, dl sqlDialect, table string) (map[string]bool, error) {
	rows, err := db.DB.QueryContext(ctx, dl.columnsSQL(), table)
	if err != nil {
		return nil, wrapErr(ctx, "check schema", table, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, wrapErr(ctx, "check schema", table, err)
		}
		have[strings.ToLower(c)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, "check schema", table, err)
	}
	return have, nil
}

// Prepare readies db for the stores: it runs [Migrate] when migrate is true, else [CheckSchema];
// on PostgreSQL it then refuses a database whose stored global positions lie ahead of the server's
// transaction ids, as after a dump restored into another server (see the package documentation
// for the remedy).
func Prepare(ctx context.Context, db *bun.DB, migrate bool) error {
	dl, err := dialectOf(db)
	if err != nil {
		return err
	}
	if migrate {
		err = Migrate(ctx, db)
	} else {
		err = CheckSchema(ctx, db)
	}
	if err != nil {
		return err
	}
	return dl.verify(ctx, db)
}
