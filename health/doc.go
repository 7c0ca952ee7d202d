// Package health builds a health report of the event-sourcing stores from what they tell
// (an inspect.Inspector: bunstore.Admin, memory.Inspector): one check per component, each
// healthy or not with the reasons, combined into one [Report] that is healthy only when every
// check is.
//
//   - store: reachable, and its schema current (every migration applied; on PostgreSQL no stored
//     position ahead of the server's transaction ids);
//   - each projection: its state, how many events it lags behind and how long the oldest of them
//     has waited, measured against the store's real head, so a projection whose process lives
//     but whose checkpoint stands still is unhealthy; its lease holder and dead letters;
//   - each outbox: its pending records, how long the oldest has waited, its dead letters;
//   - on PostgreSQL, the read horizon: events held back by a transaction open for too long, with
//     that transaction's pid, application name, state and age.
//
// The thresholds are a [Config]: pyfly.eventsourcing.health.* in the configuration. The report's
// JSON form is what an HTTP handler answers and what esctl health --json prints.
package health
