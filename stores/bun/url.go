package bunstore

import (
	"github.com/gofly/eventsourcing/internal/check"
	"strings"

	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/redact"
)

// memoryDSN is the dsn ParseURL returns for an in-memory SQLite database.
const memoryDSN = ":memory:"

// validSchemes lists the URL forms ParseURL accepts, for error messages.
const validSchemes = "postgres://, postgresql://, postgresql+asyncpg://, postgresql+psycopg:// (PostgreSQL); " +
	"sqlite:///relative/path, sqlite:////absolute/path, sqlite+aiosqlite:///path, sqlite::memory:, sqlite:///:memory: (SQLite)"

// isPostgresScheme reports the schemes (SQLAlchemy dialect+driver names included) of PostgreSQL.
func isPostgresScheme(scheme string) bool {
	switch scheme {
	case "postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+pgx":
		return true
	}
	return false
}

// isSQLiteScheme reports the schemes of SQLite.
func isSQLiteScheme(scheme string) bool {
	switch scheme {
	case "sqlite", "sqlite+aiosqlite", "sqlite+pysqlite":
		return true
	}
	return false
}

// ParseURL reads a SQLAlchemy-style database URL. For PostgreSQL the dsn is the URL with the
// scheme postgres:// (driver suffixes such as +asyncpg dropped). For SQLite it is the file path
// as written (sqlite:///rel/path gives "rel/path", sqlite:////abs/path gives "/abs/path") or
// ":memory:" for sqlite::memory: and sqlite:///:memory:. Any other URL is an error matching
// es.ErrInvalidArgument that shows the URL with its password redacted and lists the valid forms.
// It is [Parse] reduced to two values; [Parse] also gives the absolute path that is opened.
func ParseURL(raw string) (dialect Dialect, dsn string, err error) {
	src, err := Parse(raw)
	if err != nil {
		return "", "", err
	}
	if src.dialect == DialectSQLite {
		return src.dialect, src.written, nil
	}
	return src.dialect, src.dsn, nil
}

// badURL is the error of a URL Parse refuses; shown is the URL redacted, or its scheme alone.
func badURL(shown, why string) error {
	return storekit.InvalidArgument("bunstore: database URL %q: %s; valid forms: %s", check.Clip(shown, check.URLTextBytes), why, validSchemes)
}

// RedactURL returns a database or broker URL with its password, a token in its user info and
// the values of its secret query parameters (password=, sslpassword=, key=, token=, secret=,
// _pragma=key(…), …) replaced by xxxxx. It reads raw as [Parse] does, and shows a text it
// cannot read with certainty as its scheme and the reason alone ("postgres… (hidden: …)"), never
// whole: a malformed URL has no reliable place for its password. It is meant for one URL, not
// for text that quotes URLs. For a URL Parse accepts, it returns [Source.Redacted].
func RedactURL(raw string) string { return redact.URL(strings.TrimSpace(raw)) }
