package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

//go:generate go run ./internal/keytables -readme ../README.md -doc doc.go

// KeyDoc documents one key the module reads.
type KeyDoc struct {
	// Key is the full key: pyfly.eventsourcing.store.provider.
	Key string
	// Default is the default as the tables show it, in Markdown: one value in backquotes
	// (`memory`), words when it is not one value (as `store.auto-migrate`), or "(none)".
	Default string
	// Literal is the default value as YAML writes it (memory, 30s), or "" when the default is not
	// one value.
	Literal string
	// Doc says what the key does, in one sentence of Markdown (code in backquotes).
	Doc string
}

// keyDoc is an entry of [keyDocs]: def is the default's words when it is not one value; ""
// takes the value from [Default].
type keyDoc struct {
	key, def, doc string
}

// keyDocs is the one place where a key's default and description are written: README.md's
// table and this package's documentation are generated from it (go generate ./config), and
// application.yaml.example is checked against it. A test keeps it in step with [Keys].
var keyDocs = []keyDoc{
	{Root + ".enabled", "",
		"Turns the module on; while false, asking for any of its beans fails with an error saying to set it."},
	{Root + ".store.provider", "",
		"Event store backend: `memory` (lost on restart), `bun` (PostgreSQL or SQLite), or `sqlalchemy` (alias of `bun`)."},
	{Root + ".store.url", "(none)",
		"Database URL of a `bun` event store; falls back to `pyfly.data.relational.url`, then `sqlite:///./app.db`."},
	{Root + ".store.datasource", "(none)",
		"pyfly's key: names an entry of `pyfly.data.relational.datasources` (or `primary`) whose URL the event store uses; set it or `store.url`, not both."},
	{Root + ".store.auto-migrate", "`true` on SQLite, `false` on PostgreSQL",
		"Create or upgrade the tables on start (tables pyfly made are adopted in place, keeping every row); when off, the tables of the stores on that database are checked " +
			"(the outbox's only when it is enabled, the projections' only when there are projections) and a missing one fails the start. " +
			"`auto_migrate` is accepted too; unset, it follows `pyfly.data.relational.ddl-auto` when that is set."},
	{Root + ".store.position-strategy", "",
		"pyfly's key: `auto`, or `xid8` on PostgreSQL, where positions are transaction ids as with pyfly's `xid8` (pyfly's `head-row` is refused)."},
	{Root + ".store.payload-format", "",
		"What appends write into the payload column: `compact` (the event's payload) or `pyfly` (pyfly's envelope JSON, which pyfly services read); rows of both are read either way."},
	{Root + ".snapshot.provider", "",
		"Snapshot store backend: `memory`, `bun` or `sqlalchemy` (alias of `bun`)."},
	{Root + ".snapshot.url", "(none)",
		"Database URL of a `bun` snapshot store; same fallback chain as `store.url`, which can put the snapshots in another " +
			"database than the events (the module warns at start): set it to `store.url` to commit them together."},
	{Root + ".snapshot.datasource", "(none)",
		"As `store.datasource`, for the snapshot store; set it or `snapshot.url`, not both."},
	{Root + ".snapshot.auto-migrate", "as `store.auto-migrate`",
		"As `store.auto-migrate`, for the snapshot store's database."},
	{Root + ".snapshot.interval", "",
		"Repositories built with `autoconfig.RepositoryOptions` take a snapshot into the configured snapshot store each time " +
			"a save crosses a multiple of this many events; at least 1. With `snapshot.provider: bun`, an aggregate whose state JSON would lose is refused; with events and snapshots both in memory (the default providers) it gets none, with a warning; with events in a database and snapshots in memory there are none."},
	{Root + ".eda.destination", "",
		"Watermill topic the publisher sends stored events to (UTF-8 without NUL bytes)."},
	{Root + ".projection.checkpoint.provider", "the event store's",
		"Where checkpoints, the runners' lease and dead letters live: `memory` or `bun`."},
	{Root + ".projection.checkpoint.url", "the event store's URL",
		"Database URL of `bun` checkpoints; in the read model's database, read model and checkpoint commit together (exactly once)."},
	{Root + ".projection.checkpoint.datasource", "(none)",
		"As `store.datasource`, for the checkpoints; set it or `projection.checkpoint.url`, not both."},
	{Root + ".projection.checkpoint.auto-migrate", "as `store.auto-migrate`",
		"As `store.auto-migrate`, for the checkpoint database."},
	{Root + ".projection.balance", "",
		"Spreads the projections' leases (and partitions) across the processes that run them, each holding its share within one, with members' heartbeats in the checkpoint database (bun); `false` lets the first process take every lease."},
	{Root + ".projection.batch-size", "",
		"Most events a runner reads at once; a runner that keeps up applies each read in one transaction."},
	{Root + ".projection.commit-size", "",
		"Most events one transaction takes while a runner catches up: full pages read back to back share it " +
			"(one commit, one checkpoint move) where commits are dear, while, at the last batch's pace, reading and handling them takes at most 50 ms."},
	{Root + ".projection.poll-interval", "",
		"How long a caught-up runner waits before reading again when no commit wakes it."},
	{Root + ".projection.start-from", "",
		"Where a projection without a checkpoint starts: `earliest` or `latest`."},
	{Root + ".projection.lease-ttl", "",
		"How long a runner holds its projection's lease; another process takes over within it when the active one dies (on PostgreSQL within a poll interval of its connection closing)."},
	{Root + ".projection.retry-initial", "",
		"First wait before a failed event is tried again; it doubles up to `retry-max`."},
	{Root + ".projection.retry-max", "",
		"Longest wait between tries of a failed event."},
	{Root + ".projection.dead-letter-after", "",
		"Park an event that failed this many times as a dead letter and move on; `0` retries for ever."},
	{Root + ".projection.dead-letter-policy", "park with `dead-letter-after`, else retry",
		"What a runner does with an event that failed `dead-letter-after` times: `park` (park it, go on), " +
			"`park-aggregate` (park it and hold its aggregate's later events behind it, in order, until it is retried or skipped), " +
			"`pause` (park it and apply nothing until no dead letter is left) or `retry` (never park: retry for ever)."},
	{Root + ".projection.versions", "(none: version 1, unversioned)",
		"The version of projections by name (`versions: {orders_view: 2}`, or `projection.versions.orders_view: 2`), 1 to 99999. " +
			"A named projection keeps the records of versions and tells its handler whether an event is replayed; raising its version " +
			"starts the new version beside the running one, which hands over once the new one has caught up (see Projections)."},
	{Root + ".projection.switch-lag", "",
		"How many readable events a new version may have left to apply when it takes over from the active one."},
	{Root + ".projection.partitions", "",
		"Splits each projection into this many partitions by aggregate id (FNV-1a 32-bit of the id, modulo the number), each with its own checkpoint (`name#i/n`) and lease, balanced like projections; changing it for a projection with checkpoints needs a reset."},
	{Root + ".outbox.enabled", "",
		"Wires the transactional outbox: repositories built with `autoconfig.RepositoryOptions` enqueue saved events in the append's transaction; " +
			"relays publish them through the EDA publisher."},
	{Root + ".outbox.provider", "the event store's",
		"Outbox store; it must be the event store's database."},
	{Root + ".outbox.url", "the event store's URL",
		"As `provider`."},
	{Root + ".outbox.name", "",
		"Outboxes with different names share a store and deliver apart."},
	{Root + ".outbox.max-attempts", "",
		"Publishes of one record before it becomes a dead letter."},
	{Root + ".outbox.dead-letter-policy", "",
		"What the relays do with a record whose attempts ran out: `park` (a dead letter; its aggregate's later records go on), " +
			"`park-aggregate` (a dead letter that holds its aggregate's later records until it is retried or skipped), " +
			"`pause` (publish nothing until no dead letter is left) or `retry` (never a dead letter: retry for ever)."},
	{Root + ".outbox.poll-interval", "",
		"How long an idle relay waits before looking again when no commit wakes it."},
	{Root + ".outbox.publish-timeout", "",
		"Longest a publish may take; a slower one counts as a failed attempt."},
	{Root + ".outbox.backoff-initial", "",
		"First wait before a failed record is published again; it doubles up to `backoff-max`."},
	{Root + ".outbox.backoff-max", "",
		"Longest wait between attempts."},
	{Root + ".outbox.claim-timeout", "",
		"How long a relay holds the records it claimed; a dead relay's records go to another after it."},
	{Root + ".outbox.retention", "",
		"How long delivered records are kept before they are pruned."},
	{Root + ".outbox.batch-size", "",
		"Most records a relay claims at once."},
	{Root + ".outbox.relays", "",
		"Relay goroutines in this process."},
	{Root + ".outbox.mode", "",
		"`records`: saves enqueue outbox records in the append's transaction and relays publish them; `stream`: saves write only the events, " +
			"and one publisher per outbox (elected through the projections' lease) publishes every event of the store's global stream in order, " +
			"from a position kept as the projection `outbox:<name>` in the checkpoint database, at least once (see Outbox)."},
	{Root + ".outbox.start-from", "",
		"Mode `stream`: where an outbox without a stored position starts, `earliest` (every stored event is published once) or `latest`."},
	{Root + ".outbox.checkpoint-interval", "",
		"Mode `stream`: how often the position is stored while events are published; a crash publishes again at most what went out since."},
	{Root + ".health.projection-lag", "",
		"Health: a projection more events behind the store's head than this is unhealthy."},
	{Root + ".health.projection-stall", "",
		"Health: a projection whose oldest unapplied event has waited longer is unhealthy; one holding its lease whose checkpoint has not moved for this long while events wait is `failing`."},
	{Root + ".health.outbox-pending", "",
		"Health: an outbox with more pending records than this is unhealthy."},
	{Root + ".health.outbox-age", "",
		"Health: an outbox whose oldest pending record has waited longer is unhealthy."},
	{Root + ".health.horizon-age", "",
		"Health (PostgreSQL): events held behind the read horizon by a transaction open for longer are unhealthy."},
	{Root + ".health.dead-letters", "",
		"Health: a projection or outbox with more dead letters than this is unhealthy; `0` reports them without failing."},
	{DataRelationalURLKey, "(none)",
		"The application's database, used by `bun` stores that set no URL of their own."},
	{DataRelationalDDLAutoKey, "(none)",
		"pyfly's schema strategy, for the stores that set no `auto-migrate`: `create`, `create-drop` and `update` migrate on start (tables are never dropped), `validate` and `none` check."},
	{DataRelationalDatasourcesKey, "(none)",
		"pyfly's named databases, `<name>: {url: …}`: what the stores' `datasource` keys name (their other settings are pyfly's)."},
}

// DataKeys lists the keys of pyfly's data module the module reads, outside pyfly.eventsourcing:
// pyfly.data.relational.url, ddl-auto and datasources (each entry's url).
func DataKeys() []string {
	return []string{DataRelationalURLKey, DataRelationalDDLAutoKey, DataRelationalDatasourcesKey}
}

// KeyDocs lists every key the module reads ([Keys], then [DataKeys]) with its default and what
// it does. README.md's table of keys and this package's documentation are
// generated from it.
func KeyDocs() []KeyDoc {
	defaults := reflect.ValueOf(Default())
	out := make([]KeyDoc, 0, len(keyDocs))
	for _, d := range keyDocs {
		kd := KeyDoc{Key: d.key, Default: d.def, Doc: d.doc}
		if d.def == "" {
			if n, ok := findNode(strings.TrimPrefix(d.key, Root+".")); ok {
				kd.Literal = literal(defaults.FieldByIndex(n.index))
				kd.Default = "`" + kd.Literal + "`"
			}
		}
		out = append(out, kd)
	}
	return out
}

// literal writes a default value as YAML would: durations with their largest units (2m, 1h).
func literal(v reflect.Value) string {
	if d, ok := v.Interface().(time.Duration); ok {
		s := d.String()
		for _, zero := range []string{"0s", "0m"} {
			if t, ok := strings.CutSuffix(s, zero); ok && len(t) > 0 && strings.ContainsAny(t[len(t)-1:], "hm") {
				s = t
			}
		}
		return s
	}
	return fmt.Sprint(v.Interface())
}
