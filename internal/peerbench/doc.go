// Package peerbench measures the stores next to other Go event-sourcing libraries doing the same
// work, as variants peer-<name> of the same benchmarks (internal/benchkit), in the same process
// and the same alternating rounds as ours and the baselines, so that internal/cmd/benchreport
// shows each peer's row next to ours with ours ÷ peer.
//
// It is a module of its own so that the library's go.mod never requires a peer: `make bench`
// runs it (benchreport -peers internal/peerbench,internal/peerbench/sqlstores) and `make lint` vets
// it. The PostgreSQL and SQLite peers are in internal/peerbench/sqlstores, a module of their own too.
//
//   - peer-hallgren: github.com/hallgren/eventsourcing's memory event store (eventstore/memory),
//     given what its aggregate.Save hands it: the event data and metadata encoded as JSON, the
//     version, the reason (the event type) and the time; loads and catch-up reads decode and fold
//     what its iterators return.
package peerbench
