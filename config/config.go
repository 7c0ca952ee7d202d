package config

import (
	"strings"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
)

// Root is the koanf path of the module's keys.
const Root = "pyfly.eventsourcing"

// DataRelationalURLKey is the application's database URL, the stores' fallback.
const DataRelationalURLKey = "pyfly.data.relational.url"

// DataRelationalDDLAutoKey is pyfly's schema strategy, which the stores' auto-migrate follows
// when it is unset (see [Config.DDLAutoMigrate]).
const DataRelationalDDLAutoKey = "pyfly.data.relational.ddl-auto"

// DataRelationalDatasourcesKey holds pyfly's named databases: each entry's url is what a
// store's datasource key can name (see [Config.Datasource]).
const DataRelationalDatasourcesKey = "pyfly.data.relational.datasources"

// PrimaryDatasource is the datasource name of pyfly.data.relational.url, as in pyfly.
const PrimaryDatasource = "primary"

// Position strategies accepted by store.position-strategy, pyfly's names. This module numbers
// PostgreSQL positions by transaction id (pyfly's xid8) and SQLite positions as it inserts.
const (
	// PositionAuto follows the database: xid8 on PostgreSQL, the insert order on SQLite.
	PositionAuto = "auto"
	// PositionXID8 is pyfly's xid8 strategy, PostgreSQL only.
	PositionXID8 = "xid8"
)

// Payload formats accepted by store.payload-format (bunstore.PayloadCompact and
// bunstore.PayloadPyfly).
const (
	// PayloadCompact stores the event's payload alone (the default).
	PayloadCompact = "compact"
	// PayloadPyfly stores pyfly's envelope JSON, which pyfly services read.
	PayloadPyfly = "pyfly"
)

// DefaultURL is the last step of the URL chain: a SQLite file app.db in the working directory.
const DefaultURL = "sqlite:///./app.db"

// DefaultDestination is the default Watermill topic of the publisher.
const DefaultDestination = "pyfly.events"

// Provider names accepted by store.provider and snapshot.provider.
const (
	// ProviderMemory keeps everything in process memory (lost on restart).
	ProviderMemory = "memory"
	// ProviderBun stores in PostgreSQL or SQLite through Bun.
	ProviderBun = "bun"
	// ProviderSQLAlchemy is accepted as an alias of [ProviderBun] so pyfly YAML works unchanged.
	ProviderSQLAlchemy = "sqlalchemy"
)

// Config is the typed form of pyfly.eventsourcing.* plus pyfly.data.relational.url.
type Config struct {
	// Enabled gates the module (pyfly.eventsourcing.enabled, default false).
	Enabled bool `koanf:"enabled"`
	// Store configures the event store (pyfly.eventsourcing.store.*).
	Store EventStoreConfig `koanf:"store"`
	// Snapshot configures the snapshot store and the repositories' snapshot interval
	// (pyfly.eventsourcing.snapshot.*).
	Snapshot SnapshotConfig `koanf:"snapshot"`
	// EDA configures the Watermill publisher (pyfly.eventsourcing.eda.*).
	EDA EDAConfig `koanf:"eda"`
	// Projection configures the projection runners (pyfly.eventsourcing.projection.*).
	Projection ProjectionConfig `koanf:"projection"`
	// Outbox configures the transactional outbox (pyfly.eventsourcing.outbox.*).
	Outbox OutboxConfig `koanf:"outbox"`
	// Health holds the thresholds of the health report (pyfly.eventsourcing.health.*).
	Health HealthConfig `koanf:"health"`
	// DataRelationalURL is pyfly.data.relational.url, the URL the four stores (event, snapshot,
	// checkpoint and outbox) fall back to, through the event store's URL for the last two.
	DataRelationalURL string `koanf:"-"`
	// DataRelationalDDLAuto is pyfly.data.relational.ddl-auto, lower-cased: create, create-drop
	// or update migrate, validate or none check the tables, "" leaves it to each store's
	// auto-migrate default ([Config.DDLAutoMigrate]).
	DataRelationalDDLAuto string `koanf:"-"`
	// DataRelationalDatasources maps each name under pyfly.data.relational.datasources to its
	// url: what the stores' datasource keys name.
	DataRelationalDatasources map[string]string `koanf:"-"`
}

// EventStoreConfig selects and locates the event store, with the keys only it has.
type EventStoreConfig struct {
	// StoreConfig is store.provider, store.url, store.datasource and store.auto-migrate.
	StoreConfig `koanf:",squash"`
	// PositionStrategy is store.position-strategy, pyfly's key: auto (default) or xid8, which
	// is PostgreSQL's; pyfly's head-row is refused.
	PositionStrategy string `koanf:"position-strategy"`
	// PayloadFormat is store.payload-format: what the event store writes into the payload
	// column, compact (default) or pyfly (the envelope pyfly's services read).
	PayloadFormat string `koanf:"payload-format"`
}

// StoreConfig selects and locates one store.
type StoreConfig struct {
	// Provider is memory (default) or bun; sqlalchemy is read as bun.
	Provider string `koanf:"provider"`
	// URL locates the database of a bun store; empty means the fallback chain.
	URL string `koanf:"url"`
	// Datasource names an entry of pyfly.data.relational.datasources (or primary, for
	// pyfly.data.relational.url) whose url the store uses, as pyfly's datasource key does; it
	// and URL are not set together.
	Datasource string `koanf:"datasource"`
	// AutoMigrate, when set, says whether to create the tables on start (key auto-migrate; the
	// spelling auto_migrate is accepted too). Unset means true on SQLite and false on PostgreSQL,
	// where the schema is usually owned by migrations.
	AutoMigrate *bool `koanf:"auto-migrate"`
}

// SnapshotConfig selects and locates the snapshot store, and says how often the repositories
// built with the module's options take a snapshot.
type SnapshotConfig struct {
	// StoreConfig is snapshot.provider, snapshot.url and snapshot.auto-migrate.
	StoreConfig `koanf:",squash"`
	// Interval is snapshot.interval: a repository takes a snapshot when a save crosses a
	// multiple of it (default es.DefaultSnapshotInterval, 100; at least 1).
	Interval int `koanf:"interval"`
}

// EDAConfig configures the publisher onto Watermill.
type EDAConfig struct {
	// Destination is the Watermill topic (default pyfly.events).
	Destination string `koanf:"destination"`
}

// ProjectionConfig configures the runners of the projections in the application
// (pyfly.eventsourcing.projection.*).
type ProjectionConfig struct {
	// Checkpoint selects and locates the checkpoint store, its lease and its dead letters:
	// provider defaults to the event store's; url falls back to the event store's URL chain.
	Checkpoint StoreConfig `koanf:"checkpoint"`
	// Balance spreads the projections' leases across the processes running them, each holding
	// its share (projection.Balancer), with the members' heartbeats in the checkpoint database
	// (default true; only the bun checkpoint store balances: memory leases live in one process).
	Balance bool `koanf:"balance"`
	// Config holds the runners' settings, their defaults filled in by [Config.Validate]. Each
	// other key under projection sets one of its fields (batch-size sets BatchSize, and so
	// on); Owner and Logger are set in code only.
	projection.Config `koanf:"-"`
}

// OutboxConfig configures the transactional outbox (pyfly.eventsourcing.outbox.*).
type OutboxConfig struct {
	// Enabled wires the outbox, its relays and the repository option (default false).
	Enabled bool `koanf:"enabled"`
	// Provider and URL locate the outbox store; both default to the event store's, and the
	// outbox must live in the event store's database so that records commit with the events.
	Provider string `koanf:"provider"`
	URL      string `koanf:"url"`
	// Config holds the outbox's settings, their defaults filled in by [Config.Validate]. Each
	// other key under outbox sets one of its fields (max-attempts sets MaxAttempts, and so
	// on); Owner and Logger are set in code only.
	outbox.Config `koanf:"-"`
	// Mode is outbox.mode: [OutboxModeRecords] (the default: saves enqueue records that relays
	// publish) or [OutboxModeStream] (an outbox.Stream publishes the event store's global stream
	// from a stored position; saves write nothing more than the events).
	Mode string `koanf:"mode"`
	// StartFrom is outbox.start-from, in mode stream: where a stream without a stored position
	// starts, earliest (the default: every stored event is published once) or latest.
	StartFrom projection.StartFrom `koanf:"start-from"`
	// CheckpointInterval is outbox.checkpoint-interval, in mode stream: how often the stream's
	// position is stored while it publishes (default outbox.DefaultCheckpointInterval).
	CheckpointInterval time.Duration `koanf:"checkpoint-interval"`
}

// Outbox modes accepted by outbox.mode.
const (
	// OutboxModeRecords: saves enqueue records in the append's transaction; relays publish them.
	OutboxModeRecords = "records"
	// OutboxModeStream: an outbox.Stream publishes every event of the event store's global
	// stream, in order, from a position it stores every outbox.checkpoint-interval.
	OutboxModeStream = "stream"
)

// Stream reports whether the outbox is enabled in mode stream.
func (c OutboxConfig) Stream() bool { return c.Enabled && c.Mode == OutboxModeStream }

// HealthConfig holds the thresholds of the health report (pyfly.eventsourcing.health.*), which
// esctl health and health checks in the application judge the stores by.
type HealthConfig struct {
	// Config holds the thresholds, their defaults filled in by [Config.Validate]. Each key under
	// health sets one of its fields (projection-lag sets ProjectionLag, and so on).
	health.Config `koanf:"-"`
}

// Default returns the configuration with every default applied: disabled, memory stores,
// destination pyfly.events, a snapshot every 100 events, the projection and outbox packages' defaults
// (projection.DefaultConfig, outbox.DefaultConfig) and the health report's (health.DefaultConfig). The checkpoint and outbox providers stay
// empty: they follow the event store's ([Config.CheckpointProvider], [Config.OutboxProvider]).
func Default() Config {
	return Config{
		Store:      EventStoreConfig{StoreConfig: StoreConfig{Provider: ProviderMemory}, PositionStrategy: PositionAuto, PayloadFormat: PayloadCompact},
		Snapshot:   SnapshotConfig{StoreConfig: StoreConfig{Provider: ProviderMemory}, Interval: es.DefaultSnapshotInterval},
		EDA:        EDAConfig{Destination: DefaultDestination},
		Projection: ProjectionConfig{Balance: true, Config: projection.DefaultConfig()},
		Outbox: OutboxConfig{Config: outbox.DefaultConfig(), Mode: OutboxModeRecords, StartFrom: projection.StartEarliest,
			CheckpointInterval: outbox.DefaultCheckpointInterval},
		Health: HealthConfig{Config: health.DefaultConfig()},
	}
}

// CheckpointProvider is projection.checkpoint.provider, or the event store's provider when unset.
func (c Config) CheckpointProvider() string {
	if c.Projection.Checkpoint.Provider != "" {
		return c.Projection.Checkpoint.Provider
	}
	return c.Store.Provider
}

// OutboxProvider is outbox.provider, or the event store's provider when unset.
func (c Config) OutboxProvider() string {
	if c.Outbox.Provider != "" {
		return c.Outbox.Provider
	}
	return c.Store.Provider
}

// ResolvedURL is a store URL and where it came from.
type ResolvedURL struct {
	// URL is the database URL.
	URL string
	// Key is the configuration key that gave URL, or "" when it is [DefaultURL].
	Key string
}

// StoreURL resolves the event store's URL: store.url, then the datasource store.datasource
// names, then pyfly.data.relational.url, then [DefaultURL].
func (c Config) StoreURL() ResolvedURL {
	return c.resolve(c.Store.StoreConfig, Root+".store")
}

// CheckpointURL resolves the checkpoint store's URL: projection.checkpoint.url, then the
// datasource projection.checkpoint.datasource names, then the event store's URL (store.url,
// store.datasource, pyfly.data.relational.url, [DefaultURL]), so that checkpoints live with the
// events unless told otherwise.
func (c Config) CheckpointURL() ResolvedURL {
	if u, ok := c.own(c.Projection.Checkpoint, Root+".projection.checkpoint"); ok {
		return u
	}
	return c.StoreURL()
}

// OutboxURL resolves the outbox store's URL: outbox.url, then the event store's URL.
func (c Config) OutboxURL() ResolvedURL {
	if u := strings.TrimSpace(c.Outbox.URL); u != "" {
		return ResolvedURL{URL: u, Key: Root + ".outbox.url"}
	}
	return c.StoreURL()
}

// SnapshotURL resolves the snapshot store's URL: snapshot.url, then the datasource
// snapshot.datasource names, then pyfly.data.relational.url, then [DefaultURL].
func (c Config) SnapshotURL() ResolvedURL { return c.resolve(c.Snapshot.StoreConfig, Root+".snapshot") }

// own is the URL a store sets itself, under prefix: its url, else its datasource's.
func (c Config) own(sc StoreConfig, prefix string) (ResolvedURL, bool) {
	if u := strings.TrimSpace(sc.URL); u != "" {
		return ResolvedURL{URL: u, Key: prefix + ".url"}, true
	}
	if name := strings.TrimSpace(sc.Datasource); name != "" {
		if u, key, ok := c.Datasource(name); ok {
			return ResolvedURL{URL: u, Key: key}, true
		}
	}
	return ResolvedURL{}, false
}

func (c Config) resolve(sc StoreConfig, prefix string) ResolvedURL {
	if u, ok := c.own(sc, prefix); ok {
		return u
	}
	if u := strings.TrimSpace(c.DataRelationalURL); u != "" {
		return ResolvedURL{URL: u, Key: DataRelationalURLKey}
	}
	return ResolvedURL{URL: DefaultURL}
}
