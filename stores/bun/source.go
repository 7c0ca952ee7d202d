package bunstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/gofly/eventsourcing/internal/check"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/errs"
	"github.com/gofly/eventsourcing/internal/redact"
)

// Source is a database URL read once by [Parse]: the dialect, what is opened, the text to show
// and a key that two URLs of one database share. [Open],
// [OpenSource], [NewDB] and [NewDBFrom] open from it, so that what a message shows is what is
// dialled. Its String and GoString methods return the redacted URL: printing a Source never
// shows a secret. The zero Source is not a database; every Source from Parse is.
type Source struct {
	dialect  Dialect
	dsn      string
	written  string // the SQLite path as written in the URL, for messages
	pgx      *pgx.ConnConfig
	redacted string
	key      string
	secrets  []string
}

// Parse reads a SQLAlchemy-style database URL (the forms [ParseURL] lists) without I/O, and
// refuses any URL whose parts two readers could split differently (more than one "@", an "@"
// after the host, an invalid percent-encoding, a "#" in a PostgreSQL URL, …) before anything is
// dialled. A PostgreSQL URL's connection settings are read by pgx now, so a bad port or option
// fails here. A SQLite path is made absolute against the working directory now. Errors match
// es.ErrInvalidArgument and never quote the URL: they show it redacted, or, when it cannot be
// read, its scheme and the reason; those of the URL's form list the valid forms, those of pgx
// (a bad port, an unknown sslmode) unwrap to pgx's error.
func Parse(url string) (Source, error) {
	s := strings.TrimSpace(url)
	if s == "" {
		return Source{}, storekit.InvalidArgument("bunstore: database URL is empty; valid forms: %s", validSchemes)
	}
	u, err := redact.Parse(s)
	if err != nil {
		shown, why := "…", err.Error()
		var pe *redact.ParseError
		if errors.As(err, &pe) {
			shown = pe.Shown()
		}
		return Source{}, badURL(shown, why)
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case isPostgresScheme(scheme):
		return parsePostgres(u, s)
	case isSQLiteScheme(scheme):
		return parseSQLite(u)
	default:
		return Source{}, badURL(u.Redacted(), "unsupported scheme "+scheme+"://")
	}
}

// parsePostgres checks what pgx would read differently from the redactor, then lets pgx read
// the connection settings.
func parsePostgres(u *redact.Parsed, s string) (Source, error) {
	shown := u.Redacted()
	switch {
	case !u.HasAuthority || u.Host == "" && u.Path == "" && !u.HasUserinfo && !u.HasQuery:
		return Source{}, badURL(shown, "a PostgreSQL URL needs a host or path after //")
	case u.HasFragment:
		return Source{}, badURL(shown, `a PostgreSQL URL has no "#" part: percent-encode "#" in a password or value as %23`)
	}
	if why := checkPostgresQuery(u.Query); why != "" {
		return Source{}, badURL(shown, why)
	}
	_, rest, _ := strings.Cut(s, "://")
	dsn := "postgres://" + rest
	src := Source{dialect: DialectPostgres, dsn: dsn, redacted: check.Clip(shown, check.URLTextBytes), secrets: u.Secrets()}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return Source{}, fmt.Errorf("%w: bunstore: database URL %q: %w", errs.InvalidArgument, src.redacted, check.ClippedError{Err: src.scrub(pgxParseError(err))})
	}
	src.pgx = cfg
	src.key = postgresKey(cfg, u.Query)
	return src, nil
}

// postgresKey returns the key of the database pgx reads from cfg and the URL's query: a digest
// of what names it and how it is reached (each host in lower case with its port, the database,
// the user and password, the query's parameters in sorted order), so that two spellings of one
// database (a port left to its default, a host's letter case, parameters in another order) share
// a key, and no secret shows in it.
func postgresKey(cfg *pgx.ConnConfig, query []redact.Param) string {
	h := sha256.New()
	part := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	host := func(name string, port uint16) string {
		if !strings.HasPrefix(name, "/") { // a socket directory is a path, whose case counts
			name = strings.ToLower(name)
		}
		return fmt.Sprintf("%s|%d", name, port)
	}
	seen := map[string]bool{host(cfg.Host, cfg.Port): true}
	part(host(cfg.Host, cfg.Port))
	for _, fb := range cfg.Fallbacks {
		if k := host(fb.Host, fb.Port); !seen[k] {
			seen[k] = true
			part(k)
		}
	}
	part("")
	part(cfg.Database)
	part(cfg.User)
	part(cfg.Password)
	params := make([]string, len(query))
	for i, p := range query {
		params[i] = p.Key + "=" + p.Value
	}
	slices.Sort(params)
	for _, p := range params {
		part(p)
	}
	return string(DialectPostgres) + "|" + hex.EncodeToString(h.Sum(nil))
}

// pgxParseError drops the "cannot parse `<the URL>`: " pgx puts before the reason, since the
// message shows the URL once already.
func pgxParseError(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "cannot parse `"); ok {
		if _, reason, ok := strings.Cut(rest, "`: "); ok {
			return &reworded{msg: reason, err: err}
		}
	}
	return err
}

// checkPostgresQuery refuses query parameters pgx reads differently or quotes in its errors:
// each is key=value with one "=", both validly percent-encoded.
func checkPostgresQuery(params []redact.Param) string {
	for i, p := range params {
		name := fmt.Sprintf("query parameter %d", i+1)
		if isPlainName(p.Key) && !p.Secret() {
			name = "query parameter " + p.Key
		}
		switch {
		case p.Secret() && strings.IndexByte(p.Value, '&') >= 0:
			return name + ` holds an "&" that is not percent-encoded: write it as %26`
		case !p.HasValue || p.Key == "":
			return name + ` is not key=value`
		case strings.IndexByte(p.Value, '=') >= 0:
			return name + ` has a second "=": percent-encode it as %3D`
		case !decodes(p.Key) || !decodes(p.Value):
			return name + ` has an invalid percent-encoding: write "%" as %25`
		}
	}
	return ""
}

// decodes reports whether every "%" of s starts a %XX sequence other than %00.
func decodes(s string) bool {
	_, ok := redact.Unescape(s, false)
	return ok
}

// isPlainName reports a parameter name of letters, digits and "_", safe to quote.
func isPlainName(s string) bool {
	return s != "" && strings.Trim(strings.ToLower(s), "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// parseSQLite reads the file path, or an in-memory database.
func parseSQLite(u *redact.Parsed) (Source, error) {
	shown := u.Redacted()
	src := Source{dialect: DialectSQLite, redacted: check.Clip(shown, check.URLTextBytes), secrets: u.Secrets()}
	switch {
	case u.Opaque == memoryDSN && !u.HasAuthority,
		u.HasAuthority && !u.HasUserinfo && (u.Host == "" && (u.Path == "" || u.Path == "/"+memoryDSN) || u.Host == memoryDSN && u.Path == ""):
		src.dsn, src.written, src.key = memoryDSN, memoryDSN, string(DialectSQLite)+"|"+memoryDSN
		return src, nil
	case !u.HasAuthority || u.HasUserinfo || u.Host != "":
		return Source{}, badURL(shown, "a SQLite URL is sqlite:///relative/path, sqlite:////absolute/path or sqlite::memory:")
	case u.Path == "/" || u.Path == "//":
		return Source{}, badURL(shown, "the SQLite URL has no file path")
	}
	src.written = u.Path[1:]
	abs, err := filepath.Abs(src.written)
	if err != nil {
		return Source{}, badURL(shown, "the SQLite path cannot be made absolute: "+err.Error())
	}
	src.dsn, src.key = abs, string(DialectSQLite)+"|"+abs
	return src, nil
}

// Dialect is the database's dialect.
func (s Source) Dialect() Dialect { return s.dialect }

// DSN is what is opened: for PostgreSQL the URL with the scheme postgres:// (it holds the
// password), for SQLite the absolute file path, or ":memory:" for a private in-memory database.
func (s Source) DSN() string { return s.dsn }

// Path is a SQLite file's path as the URL wrote it, or ":memory:"; "" for PostgreSQL.
func (s Source) Path() string { return s.written }

// PgxConfig returns a copy of pgx's connection settings for a PostgreSQL URL, nil for SQLite.
func (s Source) PgxConfig() *pgx.ConnConfig {
	if s.pgx == nil {
		return nil
	}
	return s.pgx.Copy()
}

// Memory reports a private in-memory SQLite database: each pool opened on it is a database of
// its own.
func (s Source) Memory() bool { return s.dialect == DialectSQLite && s.dsn == memoryDSN }

// Redacted is the URL as written with its password and secret parameters replaced by xxxxx.
func (s Source) Redacted() string { return s.redacted }

// String returns [Source.Redacted].
func (s Source) String() string { return s.redacted }

// GoString returns [Source.Redacted] quoted, so that %#v shows no secret either.
func (s Source) GoString() string { return fmt.Sprintf("bunstore.Source(%q)", s.redacted) }

// Key identifies the database: two Sources with equal keys open the same database, so one pool
// can serve both. It holds no secret: a PostgreSQL key is a digest of the hosts and ports, the
// database, user, password and parameters (so spellings of one database share it); a SQLite key
// names the absolute path. Every sqlite::memory: Source has the same key, for one process's
// stores that share one pool; each pool opened on it is still a database of its own.
func (s Source) Key() string { return s.key }

// scrub returns err with its message cleaned of the URL's secrets, still unwrapping to err.
func (s Source) scrub(err error) error { return redact.Error(err, s.secrets...) }
