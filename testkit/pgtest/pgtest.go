package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gofly/eventsourcing/internal/testserver"
)

const (
	// envPostgresURL names an existing server to use instead of a local throwaway one.
	envPostgresURL = "ES_TEST_POSTGRES_URL"
	// envRequirePostgres, when "1", turns a missing PostgreSQL into a test failure instead of a skip.
	envRequirePostgres = "ES_REQUIRE_POSTGRES"

	// maxIdentifierLen is PostgreSQL's NAMEDATALEN-1: longer names are silently truncated by the server.
	maxIdentifierLen = 63
	// adminTimeout bounds each CREATE/DROP DATABASE round trip.
	adminTimeout = 60 * time.Second
)

// Start returns the URL (postgres://user@127.0.0.1:port/dbname?sslmode=disable) of a fresh, empty
// database created for this test and dropped (WITH (FORCE)) in t.Cleanup.
//
// When ES_TEST_POSTGRES_URL is set, the database is created on that server, on every platform: the URL
// must point at a database the user can connect to (usually "postgres") as a role allowed to create
// databases. Otherwise, on Unix, the first call in a test binary starts a private server from the
// installed PostgreSQL binaries (/usr/lib/postgresql/*/bin, `pg_config --bindir` or PATH), shared by every
// test of that binary and stopped, with its data removed, when the test binary exits, however it exits.
// Other platforms have no launcher.
//
// Without PostgreSQL the test is skipped, unless ES_REQUIRE_POSTGRES=1, in which case it fails.
// Start is safe for parallel tests: each call gets its own database.
func Start(t testing.TB) string {
	t.Helper()
	adminURL, err := postgresAdminURL()
	if errors.Is(err, errNoPostgres) {
		testserver.SkipOrFail(t, "pgtest", envRequirePostgres, err)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	name, err := databaseName(t.Name())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dbURL, err := withDatabase(adminURL, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ident := pgx.Identifier{name}.Sanitize()

	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if err := adminExec(ctx, adminURL, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", ident, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		if err := adminExec(ctx, adminURL, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", ident, err)
		}
	})
	return dbURL
}

// postgresAdminURL returns the URL of a maintenance database on the server the tests use.
func postgresAdminURL() (string, error) {
	raw, err := testserver.URLFromEnv(envPostgresURL, "postgres", "postgresql")
	if err != nil || raw != "" {
		return raw, err
	}
	return localAdminURL()
}

// adminExec runs one statement on its own connection.
func adminExec(ctx context.Context, connURL, sql string) error {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	return nil
}

// withDatabase returns connURL with its database replaced by name.
func withDatabase(connURL, name string) (string, error) {
	u, err := url.Parse(connURL)
	if err != nil {
		return "", fmt.Errorf("parse server URL: %w", err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// databaseName derives a unique database name from a test name: lower-case letters, digits and
// underscores, a random suffix, at most 63 bytes.
func databaseName(testName string) (string, error) {
	var suffix [4]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return "", fmt.Errorf("random database name: %w", err)
	}
	tail := "_" + hex.EncodeToString(suffix[:])

	var b strings.Builder
	underscore := true // suppresses leading and repeated underscores
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			underscore = false
		case !underscore:
			b.WriteByte('_')
			underscore = true
		}
	}
	base := strings.TrimRight(b.String(), "_")
	if base == "" {
		base = "test"
	}
	if limit := maxIdentifierLen - len(tail); len(base) > limit {
		base = strings.TrimRight(base[:limit], "_")
	}
	return base + tail, nil
}
