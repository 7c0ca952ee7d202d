// Package sqlstores measures the PostgreSQL and SQLite stores next to other Go event-sourcing
// libraries doing the same work on the same server or in the same directory, as variants
// peer-<name> of the benchmarks of internal/benchkit, in the same process and the same
// alternating rounds as ours and the raw baselines (internal/benchkit/pgsides and sqlitesides).
//
// It is a module of its own, apart from internal/peerbench, because the peer's SQL stores need a
// version of its core module that its memory store (measured there) does not build with;
// `make bench` runs both (benchreport -peers) and `make lint` vets both.
//
//   - peer-hallgren: github.com/hallgren/eventsourcing's SQL event store (eventstore/sql): on
//     PostgreSQL NewPostgres on pgx's database/sql driver, on SQLite NewSQLiteSingelWriter (its
//     advice for several writers in one process: a mutex around each save) on modernc.org/sqlite
//     with the store's own settings (WAL, synchronous=NORMAL, busy timeout); each given what its
//     aggregate.Save hands it: the event data and metadata encoded as JSON, the version, the
//     reason (the event type) and the time; loads and catch-up reads decode and fold what its
//     iterators return.
package sqlstores
