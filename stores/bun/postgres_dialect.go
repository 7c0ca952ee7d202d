package bunstore

import (
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// postgresDialect is PostgreSQL: global positions from transaction ids (see the package
// documentation), arrays for batch inserts, and pgx's native connection on the hot paths when
// the pool runs pgx's stdlib driver.
type postgresDialect struct {
	pgx bool // the pool runs pgx's stdlib driver: native paths, Go slices bound as arrays
	// copyMin is the batch size from which appends on pgx go through COPY; 0 means
	// pgCopyMinEvents (tests set 1 to run every append through COPY).
	copyMin int
	// numberChunk is how many events one step of adopting pyfly's event table numbers; 0 means
	// pgNumberingChunk (tests set a few, to run several steps).
	numberChunk int
}

func newPostgresDialect(db *bun.DB) postgresDialect {
	if db == nil {
		return postgresDialect{}
	}
	_, isPgx := db.DB.Driver().(*stdlib.Driver)
	return postgresDialect{pgx: isPgx}
}

func (postgresDialect) name() Dialect { return DialectPostgres }

// postgresMaxOpenConns bounds the pool. PostgreSQL keeps as many idle connections as it may
// open, so bursts reuse connections and their prepared statements.
const postgresMaxOpenConns = 20

// openDB opens a pool through pgx's database/sql driver on the settings Parse read.
func (postgresDialect) openDB(src Source) (*bun.DB, error) {
	sqldb := stdlib.OpenDB(*src.PgxConfig())
	sqldb.SetMaxOpenConns(postgresMaxOpenConns)
	sqldb.SetMaxIdleConns(postgresMaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// timeArg binds times as RFC 3339 text, which the statements' TIMESTAMPTZ columns and
// comparisons read as such. A time.Time would not do: Bun's pgdriver binds the zero time (year 1,
// a valid time) as NULL.
func (postgresDialect) timeArg(t time.Time) any { return t.UTC().Format(time.RFC3339Nano) }
