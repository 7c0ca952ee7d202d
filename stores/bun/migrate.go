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

// migrationLockKey is the PostgreSQL advisory lock that serialises concurrent Migrate calls
// ("pyfly_es" in ASCII).
const migrationLockKey = 0x7079666c795f6573

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
	d, err := DialectOf(db)
	if err != nil {
		return err
	}
	ms, err := migrationsFor(d)
	if err != nil {
		return err
	}
	tx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr(ctx, "migrate: begin", migrationTable, err)
	}
	defer func() { _ = tx.Rollback() }()
	if d == DialectPostgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey)); err != nil {
			return wrapErr(ctx, "migrate: lock", migrationTable, err)
		}
	}
	create := "CREATE TABLE IF NOT EXISTS " + migrationTable + " (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
	if d == DialectSQLite {
		create = "CREATE TABLE IF NOT EXISTS " + migrationTable + " (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
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
	insert := "INSERT INTO " + migrationTable + " (version, name) VALUES ($1, $2)"
	if d == DialectSQLite {
		insert = "INSERT INTO " + migrationTable + " (version, name) VALUES (?, ?)"
	}
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
	d, err := DialectOf(db)
	if err != nil {
		return err
	}
	for _, t := range requiredColumns() {
		have, err := tableColumns(ctx, db, d, t.table)
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

func tableColumns(ctx context.Context, db *bun.DB, d Dialect, table string) (map[string]bool, error) {
	q := "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	if d == DialectSQLite {
		q = "SELECT name FROM pragma_table_info(?)"
	}
	rows, err := db.DB.QueryContext(ctx, q, table)
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
	d, err := DialectOf(db)
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
	if d == DialectPostgres {
		return checkPositionsAhead(ctx, db)
	}
	return nil
}

// checkPositionsAhead is the dump/restore guard: every stored position must come from a
// transaction id below the current snapshot's xmax.
func checkPositionsAhead(ctx context.Context, db *bun.DB) error {
	var highest, limit int64
	err := db.DB.QueryRowContext(ctx, `SELECT coalesce((SELECT global_position FROM pyfly_event_store ORDER BY global_position DESC LIMIT 1), 0),
		pg_snapshot_xmax(pg_current_snapshot())::text::bigint * `+positionSpanSQL).Scan(&highest, &limit)
	if err != nil {
		return wrapErr(ctx, "check global positions", eventTable, err)
	}
	if highest >= limit {
		return fmt.Errorf("%w: bunstore: pyfly_event_store holds global position %d, at or above what this server's transaction ids give (%d): "+
			"the data was restored from another server, so new events would sort before old ones and readers would skip them; "+
			"advance the server's transaction ids past %d (or renumber global_position below %d) before starting",
			ErrPositionsAhead, highest, limit, highest/positionSpan+1, limit)
	}
	return nil
}
