package config

import "strings"

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

// Default returns the configuration with every default applied: disabled, memory stores,
// destination pyfly.events.
func Default() Config {
	return Config{
		Store:    StoreConfig{Provider: ProviderMemory},
		Snapshot: StoreConfig{Provider: ProviderMemory},
		EDA:      EDAConfig{Destination: DefaultDestination},
	}
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
