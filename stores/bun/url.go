package bunstore

import (
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
// (sqlite:///rel/path gives "rel/path", sqlite:////abs/path gives "/abs/path") or ":memory:"
// for sqlite::memory: and sqlite:///:memory:. Any other URL is an error matching
// es.ErrInvalidArgument that shows the URL with its password redacted and lists the valid forms.
func ParseURL(raw string) (dialect Dialect, dsn string, err error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", storekit.InvalidArgument("bunstore: database URL is empty; valid forms: %s", validSchemes)
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", badURL(raw, "it has no scheme")
	}
	scheme = strings.ToLower(scheme)
	switch {
	case isPostgresScheme(scheme):
		if !strings.HasPrefix(rest, "//") || len(rest) == 2 {
			return "", "", badURL(raw, "a PostgreSQL URL needs a host or path after //")
		}
		return DialectPostgres, "postgres:" + rest, nil
	case isSQLiteScheme(scheme):
		return parseSQLite(raw, rest)
	}
	return "", "", badURL(raw, "unsupported scheme "+scheme+"://")
}

func parseSQLite(raw, rest string) (Dialect, string, error) {
	switch {
	case rest == ":memory:" || rest == "//" || rest == "///:memory:" || rest == "//:memory:":
		return DialectSQLite, memoryDSN, nil
	case strings.HasPrefix(rest, "///"):
		path := rest[3:]
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		if path == "" || path == "/" {
			return "", "", badURL(raw, "the SQLite URL has no file path")
		}
		return DialectSQLite, path, nil
	default:
		return "", "", badURL(raw, "a SQLite URL is sqlite:///relative/path, sqlite:////absolute/path or sqlite::memory:")
	}
}

func badURL(raw, why string) error {
	return storekit.InvalidArgument("bunstore: database URL %q: %s; valid forms: %s", urlText(raw), why, validSchemes)
}

// RedactURL returns raw with its passwords replaced by xxxxx: the password of the user info
// (everything between the user name and the last "@", so unencoded "@", "/", "?" and "#" in a
// password are hidden too) and the value of every password=, sslpassword= or similar key. Text
// that is not a URL, or quotes one, gets the same replacements wherever they can be recognised.
func RedactURL(raw string) string { return redact.URL(raw) }
