// Command esctl inspects and repairs the stores of gofly event sourcing for operators: the
// aggregates and events, the global stream, the projections (checkpoints, leases, lag, state)
// and their dead letters, the outbox's backlog, the PostgreSQL read horizon, the schema's
// migrations, and a health report.
//
//	go install github.com/gofly/eventsourcing/cmd/esctl@latest
//
// It is configured like the module: the YAML file given with --config (default
// ./application.yaml when there is one, or the file PYFLY_CONFIG names), then the PYFLY_*
// environment; --url overrides the event store's URL. It reads the event store's database and,
// when pyfly.eventsourcing.projection.checkpoint.url names another one, the projections' there.
// No output and no error ever shows a password.
//
// Usage:
//
//	esctl [--config FILE] [--url URL] [--json] COMMAND [ARGS]
//
//	migrate [--check]                               apply the migrations, or check that none is missing
//	aggregates [--type T] [--limit N]               aggregates with their type, version and last event time
//	events AGGREGATE_ID [--from-sequence N]         an aggregate's events
//	tail [--from POSITION] [--follow]               the global stream after a position
//	projections                                     checkpoints, lag, state, lease and dead letters
//	projection reset NAME [--version N] [--to POSITION] [--force]  move a checkpoint back (to 0 by default)
//	projection retire NAME --version N [--force]   delete a superseded version's checkpoint and dead letters
//	outbox [--name N]                               pending records, the oldest one's age, dead letters
//	outbox replay --from POSITION [--to POSITION] [--name N]  publish a range of events again
//	dead-letters [--outbox N | --projection N]      list dead letters
//	dead-letters retry ID [--outbox N | --projection N]  bring one back
//	dead-letters retry-all (--outbox N | --projection N) bring every one back, in their order
//	dead-letters skip ID [--outbox N | --projection N] [--by WHO]  give one up for good
//	dead-letters --skipped                          the dead letters skipped, by whom and when
//	horizon                                         PostgreSQL: the read horizon and the transaction holding it
//	health                                          the health report
//	renumber --confirm                              PostgreSQL: renumber positions after a restore into a new server
//
// Tables are for people; --json prints JSON for scripts, one object per line for lists, with
// snake_case keys and global positions as strings. The exit code is 0 on success, 1 on a
// failure, 2 on a usage error, 3 when what was asked for is not found, 4 when the health report
// is unhealthy.
package main
