package config

import (
	"strings"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// Root is the koanf path of the module's keys.
const Root = "pyfly.eventsourcing"

// DataRelationalURLKey is the application's database URL, the stores' fallback.
const DataRelationalURLKey = "pyfly.data.relational.url"

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
	Store StoreConfig `koanf:"store"`
	// Snapshot configures the snapshot store (pyfly.eventsourcing.snapshot.*).
	Snapshot StoreConfig `koanf:"snapshot"`
	// EDA configures the Watermill publisher (pyfly.eventsourcing.eda.*).
	EDA EDAConfig `koanf:"eda"`
	// Projection configures the projection runners (pyfly.eventsourcing.projection.*).
	Projection ProjectionConfig `koanf:"projection"`
	// Outbox configures the transactional outbox (pyfly.eventsourcing.outbox.*).
	Outbox OutboxConfig `koanf:"outbox"`
	// DataRelationalURL is pyfly.data.relational.url, the URL both stores fall back to.
	DataRelationalURL string `koanf:"-"`
}

// StoreConfig selects and locates one store.
type StoreConfig struct {
	// Provider is memory (default) or bun; sqlalchemy is read as bun.
	Provider string `koanf:"provider"`
	// URL locates the database of a bun store; empty means the fallback chain.
	URL string `koanf:"url"`
	// AutoMigrate, when set, says whether to create the tables on start (key auto-migrate; the
	// spelling auto_migrate is accepted too). Unset means true on SQLite and false on PostgreSQL,
	// where the schema is usually owned by migrations.
	AutoMigrate *bool `koanf:"auto-migrate"`
}

// EDAConfig configures the publisher onto Watermill.
type EDAConfig struct {
	// Destination is the Watermill topic (default pyfly.events).
	Destination string `koanf:"destination"`
}

// ProjectionConfig configures the runners of the projections in the application
// (pyfly.eventsourcing.projection.*). Zero values mean the projection package's defaults.
type ProjectionConfig struct {
	// Checkpoint selects and locates the checkpoint store, its lease and its dead letters:
	// provider defaults to the event store's; url falls back to the event store's URL chain.
	Checkpoint StoreConfig `koanf:"checkpoint"`
	// BatchSize is the most events a runner reads at once (default 100).
	BatchSize int `koanf:"batch-size"`
	// CommitSize is the most events one transaction of a catching-up runner applies: full
	// pages read back to back share a commit up to it (default 5000).
	CommitSize int `koanf:"commit-size"`
	// PollInterval is how long a caught-up runner waits before reading again when no commit
	// wakes it (default 1s).
	PollInterval time.Duration `koanf:"poll-interval"`
	// StartFrom is where a projection without a checkpoint starts: earliest (default) or
	// latest.
	StartFrom string `koanf:"start-from"`
	// LeaseTTL is how long a runner holds its projection's lease without renewing it (default
	// 30s); another process takes over within it when the active one dies.
	LeaseTTL time.Duration `koanf:"lease-ttl"`
	// RetryInitial and RetryMax bound the back-off before a failed event is tried again
	// (defaults 1s and 1m).
	RetryInitial time.Duration `koanf:"retry-initial"`
	RetryMax     time.Duration `koanf:"retry-max"`
	// DeadLetterAfter parks an event that failed this many times in the dead-letter store and
	// moves on; 0 (the default) retries for ever.
	DeadLetterAfter int `koanf:"dead-letter-after"`
}

// OutboxConfig configures the transactional outbox (pyfly.eventsourcing.outbox.*). Zero values
// mean the outbox package's defaults.
type OutboxConfig struct {
	// Enabled wires the outbox, its relays and the repository option (default false).
	Enabled bool `koanf:"enabled"`
	// Provider and URL locate the outbox store; both default to the event store's, and the
	// outbox must live in the event store's database so that records commit with the events.
	Provider string `koanf:"provider"`
	URL      string `koanf:"url"`
	// Name separates outboxes that share a store (default "default").
	Name string `koanf:"name"`
	// MaxAttempts is how many times a record is published before it becomes a dead letter
	// (default 5).
	MaxAttempts int `koanf:"max-attempts"`
	// PollInterval is how long an idle relay waits before looking again when no commit wakes it
	// (default 1s).
	PollInterval time.Duration `koanf:"poll-interval"`
	// PublishTimeout bounds one publish (default 30s).
	PublishTimeout time.Duration `koanf:"publish-timeout"`
	// BackoffInitial and BackoffMax bound the wait before a failed record is published again
	// (defaults 1s doubling to 30s).
	BackoffInitial time.Duration `koanf:"backoff-initial"`
	BackoffMax     time.Duration `koanf:"backoff-max"`
	// ClaimTimeout is how long a relay holds the records it claimed; a relay that dies releases
	// them to another after it (default 2m, more than PublishTimeout).
	ClaimTimeout time.Duration `koanf:"claim-timeout"`
	// Retention is how long delivered records are kept before they are pruned (default 1h).
	Retention time.Duration `koanf:"retention"`
	// BatchSize is the most records a relay claims at once (default 100).
	BatchSize int `koanf:"batch-size"`
	// Relays is the number of relay goroutines (default 1).
	Relays int `koanf:"relays"`
}

// Default returns the configuration with every default applied: disabled, memory stores,
// destination pyfly.events, the projection and outbox packages' defaults. The checkpoint and outbox providers stay empty: they follow the
// event store's ([Config.CheckpointProvider], [Config.OutboxProvider]).
func Default() Config {
	return Config{
		Store:    StoreConfig{Provider: ProviderMemory},
		Snapshot: StoreConfig{Provider: ProviderMemory},
		EDA:      EDAConfig{Destination: DefaultDestination},
		Projection: ProjectionConfig{
			BatchSize:    projection.DefaultBatchSize,
			CommitSize:   projection.DefaultCommitSize,
			PollInterval: projection.DefaultPollInterval,
			StartFrom:    string(projection.StartEarliest),
			LeaseTTL:     projection.DefaultLeaseTTL,
			RetryInitial: projection.DefaultRetryInitial,
			RetryMax:     projection.DefaultRetryMax,
		},
		Outbox: OutboxConfig{
			Name:           outbox.DefaultName,
			MaxAttempts:    outbox.DefaultMaxAttempts,
			PollInterval:   outbox.DefaultPollInterval,
			PublishTimeout: outbox.DefaultPublishTimeout,
			BackoffInitial: outbox.DefaultBackoffInitial,
			BackoffMax:     outbox.DefaultBackoffMax,
			ClaimTimeout:   outbox.DefaultClaimTimeout,
			Retention:      outbox.DefaultRetention,
			BatchSize:      outbox.DefaultBatchSize,
			Relays:         outbox.DefaultRelays,
		},
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

// StoreURL resolves the event store's URL: store.url, then pyfly.data.relational.url, then
// [DefaultURL].
func (c Config) StoreURL() ResolvedURL { return c.resolve(c.Store.URL, Root+".store.url") }

// CheckpointURL resolves the checkpoint store's URL: projection.checkpoint.url, then the event
// store's URL (store.url, pyfly.data.relational.url, [DefaultURL]), so that checkpoints live
// with the events unless told otherwise.
func (c Config) CheckpointURL() ResolvedURL {
	if u := strings.TrimSpace(c.Projection.Checkpoint.URL); u != "" {
		return ResolvedURL{URL: u, Key: Root + ".projection.checkpoint.url"}
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

// SnapshotURL resolves the snapshot store's URL: snapshot.url, then pyfly.data.relational.url,
// then [DefaultURL].
func (c Config) SnapshotURL() ResolvedURL { return c.resolve(c.Snapshot.URL, Root+".snapshot.url") }

func (c Config) resolve(own, key string) ResolvedURL {
	if u := strings.TrimSpace(own); u != "" {
		return ResolvedURL{URL: u, Key: key}
	}
	if u := strings.TrimSpace(c.DataRelationalURL); u != "" {
		return ResolvedURL{URL: u, Key: DataRelationalURLKey}
	}
	return ResolvedURL{URL: DefaultURL}
}
