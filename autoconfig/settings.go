package autoconfig

import (
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/metric"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Settings is the validated configuration with each store's backend resolved. Build it with
// [NewSettings].
type Settings struct {
	// Config is the validated configuration.
	Config config.Config
	// EventStore is where the event store lives.
	EventStore Target
	// SnapshotStore is where the snapshot store lives.
	SnapshotStore Target
	// Checkpoints is where the projections' checkpoint store, lease and dead letters live.
	Checkpoints Target
	// Outbox is where the outbox store lives; its Provider is empty when outbox.enabled is false
	// or outbox.mode is stream (which keeps no records).
	Outbox Target
	// Logger receives the module's and the Bun stores' logs.
	Logger *slog.Logger
	// Observer, when set, is given to the event store, the repositories (through
	// RepositoryOptions), the projection runners and the outbox; [Settings.UseTelemetry] sets
	// it to OpenTelemetry's.
	Observer es.Observer
	// MeterProvider, when set, receives the gauges read from the stores while the databases are
	// started (see [Settings.UseTelemetry]).
	MeterProvider metric.MeterProvider
}

// Target is one store's resolved backend.
type Target struct {
	// Name is "event store" or "snapshot store", for messages.
	Name string
	// Prefix is the store's configuration prefix: pyfly.eventsourcing.store or
	// pyfly.eventsourcing.snapshot.
	Prefix string
	// Provider is config.ProviderMemory or config.ProviderBun.
	Provider string
	// URL is the database URL and the key it came from; empty for memory stores.
	URL config.ResolvedURL
	// Source is URL read once by bunstore.Parse: what the store's database is opened from, and
	// what messages show of it. Zero for memory stores.
	Source bunstore.Source
	// Dialect is the database's dialect (Source's); empty for memory stores.
	Dialect bunstore.Dialect
	// AutoMigrate is the store's auto_migrate setting, nil when unset.
	AutoMigrate *bool
	// Tables are the tables the store needs (bunstore.TableEvents and so on): without
	// auto-migrate, only the tables of the stores on a database are checked.
	Tables []string
}

// Redacted returns the target's URL with its password replaced, for messages: cut to 200 bytes.
func (t Target) Redacted() string { return check.Clip(t.Source.Redacted(), check.URLTextBytes) }

// dbKey identifies the database: targets with equal keys share one *bun.DB, opened from the
// Source of the first.
func (t Target) dbKey() string { return t.Source.Key() }

// NewSettings is the module's gate: it checks that the module is enabled ([config.ErrDisabled]
// otherwise), validates cfg ([config.Config.Validate], the runners' and the outbox's settings
// included) and resolves each bun store's URL through the chain, parsing it and
// its connection settings. It opens nothing. Each choice is logged at info level through logger
// (slog.Default() when nil). Errors match [config.ErrDisabled] or [config.ErrInvalidConfig]
// (a *config.Error naming the key) and never contain a password. Every other constructor of
// the package takes its result, so none of them runs on a disabled or invalid configuration.
func NewSettings(cfg config.Config, logger *slog.Logger) (*Settings, error) {
	if err := cfg.RequireEnabled(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	s := &Settings{Config: cfg, Logger: logger}
	var err error
	if s.EventStore, err = resolveTarget("event store", config.Root+".store", ddlAuto(cfg, cfg.Store.StoreConfig), cfg.StoreURL(), bunstore.TableEvents); err != nil {
		return nil, err
	}
	if err := checkPositionStrategy(cfg, s.EventStore); err != nil {
		return nil, err
	}
	if s.SnapshotStore, err = resolveTarget("snapshot store", config.Root+".snapshot", ddlAuto(cfg, cfg.Snapshot.StoreConfig), cfg.SnapshotURL(), bunstore.TableSnapshots); err != nil {
		return nil, err
	}
	cp := ddlAuto(cfg, cfg.Projection.Checkpoint)
	cp.Provider = cfg.CheckpointProvider()
	cpTables := []string{bunstore.TableCheckpoints, bunstore.TableLeases, bunstore.TableDeadLetters}
	if cfg.Projection.Balance {
		cpTables = append(cpTables, bunstore.TableMembers)
	}
	if s.Checkpoints, err = resolveTarget("checkpoint store", config.Root+".projection.checkpoint", cp, cfg.CheckpointURL(), cpTables...); err != nil {
		return nil, err
	}
	if cfg.Outbox.Enabled && !cfg.Outbox.Stream() {
		ob := ddlAuto(cfg, config.StoreConfig{Provider: cfg.OutboxProvider(), URL: cfg.Outbox.URL})
		if s.Outbox, err = resolveTarget("outbox", config.Root+".outbox", ob, cfg.OutboxURL(), bunstore.TableOutbox); err != nil {
			return nil, err
		}
		if err := sameDatabase(s.EventStore, s.Outbox); err != nil {
			return nil, err
		}
	}
	logTarget(logger, s.EventStore, cfg.Store.URL)
	logTarget(logger, s.SnapshotStore, cfg.Snapshot.URL)
	if cfg.Outbox.Enabled && !cfg.Outbox.Stream() {
		logTarget(logger, s.Outbox, cfg.Outbox.URL)
	}
	warnSnapshotsApart(logger, s)
	if cfg.Store.PayloadFormat == config.PayloadPyfly {
		if s.EventStore.Provider == config.ProviderBun {
			logger.Info("eventsourcing: the event store writes pyfly's envelope into the payload column ("+config.Root+".store.payload-format: pyfly), "+
				"for the pyfly services that share its database", "url", s.EventStore.Redacted())
		} else {
			logger.Warn("eventsourcing: " + config.Root + ".store.payload-format is pyfly but the event store is in memory: the format applies to bun stores only")
		}
	}
	return s, nil
}

// warnSnapshotsApart warns when the snapshot store lands in another database than the event
// store only by the URL chain: store.url is set and snapshot.url is not, so the snapshots follow
// pyfly.data.relational.url or the default URL (pyfly's documented chain, kept) while the events
// go where store.url says. Snapshots then cannot commit with their events.
func warnSnapshotsApart(logger *slog.Logger, s *Settings) {
	ev, sn := s.EventStore, s.SnapshotStore
	if ev.Provider != config.ProviderBun || sn.Provider != config.ProviderBun || !ownDatabase(s.Config.Store.StoreConfig) ||
		ownDatabase(s.Config.Snapshot.StoreConfig) || ev.dbKey() == sn.dbKey() {
		return
	}
	from := sn.URL.Key
	if from == "" {
		from = "the default URL " + config.DefaultURL
	}
	logger.Warn("eventsourcing: "+config.Root+".store.url is set and "+config.Root+".snapshot.url is not, so the snapshot store follows "+
		from+" into another database than the event store: snapshots and events will not commit together; "+
		"set "+config.Root+".snapshot.url to the event store's URL to keep them in one transaction",
		"events", ev.Redacted(), "snapshots", sn.Redacted())
}

// sameDatabase refuses an outbox outside the event store's database: its records must commit in
// the transaction of the events they carry.
func sameDatabase(events, outbox Target) error {
	if events.Provider == outbox.Provider && (outbox.Provider != config.ProviderBun || events.dbKey() == outbox.dbKey()) {
		return nil
	}
	key := config.Root + ".outbox.url"
	if events.Provider != outbox.Provider {
		key = config.Root + ".outbox.provider"
	}
	return &config.Error{Key: key, Reason: "the outbox must live in the event store's database (" + describeTarget(events) +
		"), so that its records commit with the events; leave outbox.provider and outbox.url unset to follow the event store"}
}

// describeTarget names where a store lives, without passwords.
func describeTarget(t Target) string {
	if t.Provider != config.ProviderBun {
		return "in memory"
	}
	return t.Redacted()
}

// ownDatabase reports a store that names its database itself: its url or datasource key.
func ownDatabase(sc config.StoreConfig) bool { return sc.URL != "" || sc.Datasource != "" }

// ddlAuto returns sc with pyfly.data.relational.ddl-auto's setting as its auto-migrate when it
// sets none itself: a store's own key wins.
func ddlAuto(cfg config.Config, sc config.StoreConfig) config.StoreConfig {
	if sc.AutoMigrate == nil {
		sc.AutoMigrate = cfg.DDLAutoMigrate()
	}
	return sc
}

// checkPositionStrategy refuses store.position-strategy xid8 for an event store that is not on
// PostgreSQL, whose transaction ids xid8 positions are.
func checkPositionStrategy(cfg config.Config, events Target) error {
	if cfg.Store.PositionStrategy != config.PositionXID8 || events.Dialect == bunstore.DialectPostgres {
		return nil
	}
	where := "in memory"
	if events.Provider == config.ProviderBun {
		where = "on SQLite (" + events.Redacted() + ", from " + keyOrDefault(events.URL.Key) + "), whose positions follow the insert order"
	}
	return &config.Error{Key: config.Root + ".store.position-strategy", Reason: "xid8 numbers global positions by PostgreSQL transaction ids, " +
		"but the event store is " + where + "; use auto there"}
}

func resolveTarget(name, prefix string, sc config.StoreConfig, u config.ResolvedURL, tables ...string) (Target, error) {
	t := Target{Name: name, Prefix: prefix, Provider: sc.Provider, AutoMigrate: sc.AutoMigrate, Tables: tables}
	if sc.Provider != config.ProviderBun {
		return t, nil
	}
	t.URL = u
	// The pool is built on start from src; its settings are read now, so a bad port or option
	// fails with the configuration.
	src, err := bunstore.Parse(u.URL)
	if err != nil {
		return Target{}, &config.Error{Key: keyOrDefault(u.Key), Reason: "unusable by the " + name + " (" + prefix + ".provider is bun)", Err: cause(err)}
	}
	t.Source, t.Dialect = src, src.Dialect()
	return t, nil
}

func logTarget(logger *slog.Logger, t Target, ownURL string) {
	if t.Provider != config.ProviderBun {
		if ownURL != "" {
			logger.Warn("eventsourcing: "+t.Prefix+".url is set but "+t.Prefix+".provider is memory: the URL is not used; set the provider to bun to store there",
				"url", bunstore.RedactURL(ownURL))
		}
		logger.Info("eventsourcing: "+t.Name+" in memory; its data is lost when the process stops", "provider", t.Provider)
		return
	}
	from := t.URL.Key
	if from == "" {
		from = "default: neither " + t.Prefix + ".url nor " + config.DataRelationalURLKey + " is set"
	}
	if t.Dialect == bunstore.DialectSQLite {
		file := t.Source.DSN()
		if t.Source.Memory() {
			file = "in-memory database"
		}
		logger.Info("eventsourcing: "+t.Name+" on SQLite", "file", file, "url", t.Redacted(), "from", from)
		return
	}
	logger.Info("eventsourcing: "+t.Name+" on PostgreSQL", "url", t.Redacted(), "from", from)
}

func (s *Settings) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// String describes the settings for logs and messages: each store's backend with its URL's
// password hidden. Printed with %v or %+v, Settings show this, never the URLs as configured.
func (s *Settings) String() string {
	if s == nil {
		return "autoconfig.Settings(nil)"
	}
	var b strings.Builder
	b.WriteString("autoconfig.Settings{")
	for i, t := range []Target{s.EventStore, s.SnapshotStore, s.Checkpoints, s.Outbox} {
		if i > 0 {
			b.WriteString(", ")
		}
		name := [...]string{"events", "snapshots", "checkpoints", "outbox"}[i]
		b.WriteString(name + ": " + t.String())
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String, so %#v hides the passwords too.
func (s *Settings) GoString() string { return s.String() }

// String names the target's backend: memory, none, or its dialect and redacted URL.
func (t Target) String() string {
	switch t.Provider {
	case "":
		return "none"
	case config.ProviderBun:
		return string(t.Dialect) + " " + t.Redacted()
	}
	return t.Provider
}

// GoString is String, so %#v hides the password too.
func (t Target) GoString() string { return t.String() }
