package bunstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url     string
		dialect bunstore.Dialect
		dsn     string
	}{
		{"postgres://u:p@h:5432/db?sslmode=disable", bunstore.DialectPostgres, "postgres://u:p@h:5432/db?sslmode=disable"},
		{"postgresql://u@h/db", bunstore.DialectPostgres, "postgres://u@h/db"},
		{"postgresql+asyncpg://u:p@h/db", bunstore.DialectPostgres, "postgres://u:p@h/db"},
		{"postgresql+psycopg://u:p@h/db", bunstore.DialectPostgres, "postgres://u:p@h/db"},
		{"sqlite:///./app.db", bunstore.DialectSQLite, "./app.db"},
		{"sqlite:///rel/app.db", bunstore.DialectSQLite, "rel/app.db"},
		{"sqlite:////abs/app.db", bunstore.DialectSQLite, "/abs/app.db"},
		{"sqlite+aiosqlite:///data/app.db", bunstore.DialectSQLite, "data/app.db"},
		{"sqlite::memory:", bunstore.DialectSQLite, ":memory:"},
		{"sqlite:///:memory:", bunstore.DialectSQLite, ":memory:"},
	} {
		d, dsn, err := bunstore.ParseURL(tc.url)
		require.NoError(t, err, tc.url)
		assert.Equal(t, tc.dialect, d, tc.url)
		assert.Equal(t, tc.dsn, dsn, tc.url)
	}
	for _, bad := range []string{"", "mysql://root:hunter2@h/db", "app.db", "sqlite:app.db", "sqlite:///", "postgres://", "http://u:hunter2@h"} {
		_, _, err := bunstore.ParseURL(bad)
		require.ErrorIs(t, err, es.ErrInvalidArgument, bad)
		assert.NotContains(t, err.Error(), "hunter2")
		assert.Contains(t, err.Error(), "postgresql+asyncpg://")
		assert.Contains(t, err.Error(), "sqlite::memory:")
	}
}

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "postgres://user:xxxxx@host:5432/db", bunstore.RedactURL(" postgres://user:s3cr%40t@host:5432/db "))
	assert.Equal(t, "postgres://user@host/db", bunstore.RedactURL("postgres://user@host/db"))
	assert.Equal(t, "postgres://h/db?user=u&password=xxxxx&sslmode=disable", bunstore.RedactURL("postgres://h/db?user=u&password=pw&sslmode=disable"))
	assert.Equal(t, "sqlite:///app.db", bunstore.RedactURL("sqlite:///app.db"))
	assert.Equal(t, "sqlite:///app.db?_pragma=xxxxx", bunstore.RedactURL("sqlite:///app.db?_pragma=key('pw')"))
}

// Parse reads a URL once: what is opened, what is shown and the key that shares a pool.
func TestParseSource(t *testing.T) {
	src, err := bunstore.Parse(" postgresql+asyncpg://app:p%40ss@127.0.0.1:5432/app?sslmode=disable&application_name=x ")
	require.NoError(t, err)
	assert.Equal(t, bunstore.DialectPostgres, src.Dialect())
	assert.Equal(t, "postgres://app:p%40ss@127.0.0.1:5432/app?sslmode=disable&application_name=x", src.DSN())
	assert.Equal(t, "postgresql+asyncpg://app:xxxxx@127.0.0.1:5432/app?sslmode=disable&application_name=x", src.Redacted())
	assert.Equal(t, src.Redacted(), fmt.Sprint(src))
	assert.Equal(t, `bunstore.Source("`+src.Redacted()+`")`, fmt.Sprintf("%#v", src))
	assert.NotContains(t, src.Key(), "p%40ss")
	cfg := src.PgxConfig()
	require.NotNil(t, cfg)
	assert.Equal(t, "p@ss", cfg.Password)
	assert.Equal(t, "127.0.0.1", cfg.Host)
	cfg.Host = "changed"
	assert.Equal(t, "127.0.0.1", src.PgxConfig().Host, "PgxConfig returns a copy")

	same, err := bunstore.Parse("postgres://app:p%40ss@127.0.0.1:5432/app?sslmode=disable&application_name=x")
	require.NoError(t, err)
	assert.Equal(t, src.Key(), same.Key(), "one database, whatever the driver suffix")
	other, err := bunstore.Parse("postgres://app:p%40ss@127.0.0.1:5432/other?sslmode=disable")
	require.NoError(t, err)
	assert.NotEqual(t, src.Key(), other.Key())

	// One database however its URL spells it: the default port, a host's letter case, the
	// parameters' order, a percent-encoded character. Another port, user or password is another.
	key := func(url string) string {
		t.Helper()
		s, err := bunstore.Parse(url)
		require.NoError(t, err)
		return s.Key()
	}
	base := key("postgres://app:pw@localhost/app?sslmode=disable&application_name=x")
	for _, url := range []string{
		"postgres://app:pw@localhost:5432/app?sslmode=disable&application_name=x",
		"postgresql://app:pw@LocalHost/app?application_name=x&sslmode=disable",
		"postgresql+asyncpg://app:p%77@localhost:5432/app?sslmode=disable&application_name=x",
	} {
		assert.Equal(t, base, key(url), url)
	}
	for _, url := range []string{
		"postgres://app:pw@localhost:5433/app?sslmode=disable&application_name=x",
		"postgres://app2:pw@localhost/app?sslmode=disable&application_name=x",
		"postgres://app:other@localhost/app?sslmode=disable&application_name=x",
		"postgres://app:pw@localhost/app?sslmode=disable&application_name=y",
		"postgres://app:pw@127.0.0.1/app?sslmode=disable&application_name=x",
	} {
		assert.NotEqual(t, base, key(url), url)
	}
	assert.NotEqual(t, key("postgres://app@/app?host=/run/PG"), key("postgres://app@/app?host=/run/pg"),
		"a socket directory is a path: its case counts")

	// SQLite: the path made absolute is the one opened and the one that keys the pool.
	dir := t.TempDir()
	t.Chdir(dir)
	rel, err := bunstore.Parse("sqlite:///./data/app.db")
	require.NoError(t, err)
	abs, err := bunstore.Parse("sqlite+aiosqlite:////" + strings.TrimPrefix(filepath.ToSlash(filepath.Join(dir, "data", "app.db")), "/"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "data", "app.db"), rel.DSN())
	assert.Equal(t, "./data/app.db", rel.Path())
	assert.Equal(t, rel.Key(), abs.Key())
	assert.Nil(t, rel.PgxConfig())
	assert.False(t, rel.Memory())
	require.NoError(t, os.Mkdir("data", 0o755))
	db, err := bunstore.OpenSource(context.Background(), rel)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = os.Stat(filepath.Join(dir, "data", "app.db"))
	require.NoError(t, err, "the file opened is the absolute path Parse gave")

	mem, err := bunstore.Parse("sqlite::memory:")
	require.NoError(t, err)
	assert.True(t, mem.Memory())
	assert.Equal(t, ":memory:", mem.DSN())

	_, err = bunstore.NewDBFrom(bunstore.Source{})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := bunstore.Open(ctx, "postgres://user:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Contains(t, err.Error(), "xxxxx")
	_, err = bunstore.Open(ctx, "postgres://user:hunter2@127.0.0.1:1/db?sslmode=bogus")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	a := openDB(t, "sqlite::memory:")
	b := openDB(t, "sqlite::memory:")
	sa := newEventStore(t, a)
	require.NoError(t, sa.Append(ctx, "x", "T", 0, envs(t, 1)))
	v, err := newEventStore(t, b).LatestVersion(ctx, "x")
	require.NoError(t, err)
	assert.Zero(t, v, "every sqlite::memory: database is private")
	d, err := bunstore.DialectOf(a)
	require.NoError(t, err)
	assert.Equal(t, bunstore.DialectSQLite, d)
	_, err = bunstore.NewEventStore(nil)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

// Forms that leaked before: an unencoded "?", "/", "#" or "@" in the password cannot be read
// with certainty, so nothing of them is shown but the scheme; sslpassword= is hidden.
func TestRedactURLHardForms(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:ab?cd@host/db":                 `postgres… (hidden: an "@" after the host: `,
		"postgres://app:p@ss/w0rd#1@host/db":           `postgres… (hidden: an "@" after the host: `,
		"postgres://app:p@ss@host/db":                  `postgres… (hidden: more than one "@" before the host: `,
		"postgres://app@host/db?sslpassword=keysecret": "postgres://app@host/db?sslpassword=xxxxx",
	} {
		assert.True(t, strings.HasPrefix(bunstore.RedactURL(in), want), "%s: %s", in, bunstore.RedactURL(in))
	}
}

// A password parameter holding an "&" that is not percent-encoded is refused, with the hint and
// without any part of the password; before, the part after the "&" was named in the error.
func TestPasswordParameterWithAnUnencodedAmpersand(t *testing.T) {
	for _, url := range []string{
		"postgres://127.0.0.1:1/db?password=ab&S3CRETpw&connect_timeout=1",
		"postgres://app@127.0.0.1:1/db?sslpassword=Qy&S3CRETpw%$fx",
	} {
		_, err := bunstore.Parse(url)
		require.ErrorIs(t, err, es.ErrInvalidArgument)
		assert.Contains(t, err.Error(), `holds an "&" that is not percent-encoded: write it as %26`)
		assert.NotContains(t, err.Error(), "S3CRETpw")
	}
}
