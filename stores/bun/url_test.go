package bunstore_test

import (
	"context"
	"math/rand/v2"
	"net/url"
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
	assert.Equal(t, "postgres://user:xxxxx@host:5432/db", bunstore.RedactURL("postgres://user:s3cr@t@host:5432/db"))
	assert.Equal(t, "postgres://user@host/db", bunstore.RedactURL("postgres://user@host/db"))
	assert.Equal(t, "postgres://h/db?user=u&password=xxxxx&sslmode=disable", bunstore.RedactURL("postgres://h/db?user=u&password=pw&sslmode=disable"))
	assert.Equal(t, "sqlite:///app.db", bunstore.RedactURL("sqlite:///app.db"))
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

// The forms the issue named, which leaked before: an unencoded "?", "/", "#" or "@" in the
// password, and sslpassword=.
func TestRedactURLHardForms(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:ab?cd@host/db":                 "postgres://app:xxxxx@host/db",
		"postgres://app:p@ss/w0rd#1@host/db":           "postgres://app:xxxxx@host/db",
		"postgres://app@host/db?sslpassword=keysecret": "postgres://app@host/db?sslpassword=xxxxx",
	} {
		assert.Equal(t, want, bunstore.RedactURL(in))
	}
}

// randomPassword draws from the whole printable range.
func randomPassword(r *rand.Rand) string {
	b := make([]byte, 4+r.IntN(20))
	for i := range b {
		b[i] = byte(0x21 + r.IntN(0x7e-0x21+1))
	}
	return string(b)
}

// Property: whatever printable password a URL carries, raw or encoded, in the user info or in a
// query parameter, no error of ParseURL, NewDB or Open quotes it. Before the fix, passwords with
// an unencoded "?", "/" or "#" appeared in errors in full or in part.
func TestPasswordsNeverInErrors(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 150 {
		pw := randomPassword(r)
		enc := url.QueryEscape(pw)
		forms := []string{
			"postgres://app:" + pw + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=1",
			"postgresql+asyncpg://app:" + enc + "@127.0.0.1:1/db?connect_timeout=1",
			"postgres://127.0.0.1:1/db?user=app&password=" + enc + "&connect_timeout=1",
			"postgres://app@127.0.0.1:1/db?sslmode=require&sslpassword=" + enc + "&sslkey=/nonexistent",
			"oracle://app:" + pw + "@db/x",
			"postgres://app:" + pw + "@",
		}
		for _, f := range forms {
			var errs []error
			if _, _, err := bunstore.ParseURL(f); err != nil {
				errs = append(errs, err)
			}
			if db, err := bunstore.NewDB(f); err != nil {
				errs = append(errs, err)
			} else {
				_ = db.Close()
			}
			if i%10 == 0 { // connecting is slower: a sample is enough
				octx, cancel := context.WithTimeout(ctx, 3*time.Second)
				if db, err := bunstore.Open(octx, f); err != nil {
					errs = append(errs, err)
				} else {
					_ = db.Close()
				}
				cancel()
			}
			for _, err := range errs {
				msg := err.Error()
				if strings.Contains(msg, pw) || (len(enc) > 3 && strings.Contains(msg, enc)) {
					t.Fatalf("password %q appears in the error for %q: %s", pw, f, msg)
				}
			}
		}
	}
}
