// Package postgres measures the PostgreSQL store next to other Go event-sourcing libraries
// doing the same work on the same server, as variants peer-<name> of the benchmarks of
// internal/benchkit, in the same process and the same alternating rounds as ours and the raw
// baselines (internal/benchkit/pgsides).
//
// It is a module of its own, apart from internal/peerbench, because the peer's PostgreSQL store
// needs a version of its core module that its memory store (measured there) does not build with;
// `make bench` runs both (benchreport -peers) and `make lint` vets both.
//
//   - peer-hallgren: github.com/hallgren/eventsourcing's SQL event store on PostgreSQL
//     (eventstore/sql, NewPostgres), on pgx's database/sql driver, given what its aggregate.Save
//     hands it: the event data and metadata encoded as JSON, the version, the reason (the event
//     type) and the time; loads and catch-up reads decode and fold what its iterators return.
package postgres
