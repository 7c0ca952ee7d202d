package bunstore

import (
	"log/slog"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// EventStoreOption configures [NewEventStore]: [WithUpcasters], [WithPayloadFormat],
// [WithObserver] and [WithLogger].
type EventStoreOption interface {
	applyEventStore(*eventStoreConfig)
}

// SnapshotStoreOption configures [NewSnapshotStore]: [WithLogger].
type SnapshotStoreOption interface {
	applySnapshotStore(*snapshotStoreConfig)
}

// PrepareOption configures [Prepare]: [WithLogger], for its warnings, and [WithTables].
type PrepareOption interface {
	applyPrepare(*prepareConfig)
}

// Option configures either store and [Prepare]: it is an [EventStoreOption], a
// [SnapshotStoreOption] and a [PrepareOption].
type Option interface {
	EventStoreOption
	SnapshotStoreOption
	PrepareOption
}

type prepareConfig struct {
	logger *slog.Logger
	tables []string
}

type eventStoreConfig struct {
	upcasters []es.Upcaster
	format    PayloadFormat
	observer  es.StoreObserver
	observed  bool // WithObserver was given (a nil observer is refused)
	logger    *slog.Logger
}

type snapshotStoreConfig struct {
	logger *slog.Logger
}

// WithUpcasters adds upcasters the event store applies, in order, on every read path (Load,
// ReadAll). A nil upcaster makes NewEventStore fail.
func WithUpcasters(ups ...es.Upcaster) EventStoreOption {
	return upcastersOption(ups)
}

// WithObserver makes the event store report its Append, Load and ReadAll calls to o (see
// es.Observer), as the "postgresql" or "sqlite" system. A nil o makes NewEventStore fail.
func WithObserver(o es.StoreObserver) EventStoreOption {
	return observerOption{o}
}

type observerOption struct{ o es.StoreObserver }

func (o observerOption) applyEventStore(c *eventStoreConfig) { c.observer, c.observed = o.o, true }

type upcastersOption []es.Upcaster

func (o upcastersOption) applyEventStore(c *eventStoreConfig) {
	c.upcasters = append(c.upcasters, o...)
}

// WithLogger sets the logger of either store and of [Prepare]; the event store logs conflicts
// and refused appends at debug level, Prepare warns about settings that could rewind the global
// stream. The default discards.
func WithLogger(l *slog.Logger) Option {
	return loggerOption{l}
}

// WithTables limits what [Prepare] checks, when it does not migrate, to the tables of the stores
// the application uses ([TableEvents] and the other Table constants); by default it checks every
// table. Migrating always creates every table.
func WithTables(tables ...string) PrepareOption {
	return tablesOption(tables)
}

type tablesOption []string

func (o tablesOption) applyPrepare(c *prepareConfig) { c.tables = append(c.tables, o...) }

type loggerOption struct{ l *slog.Logger }

func (o loggerOption) applyEventStore(c *eventStoreConfig)       { c.logger = o.l }
func (o loggerOption) applySnapshotStore(c *snapshotStoreConfig) { c.logger = o.l }
func (o loggerOption) applyPrepare(c *prepareConfig)             { c.logger = o.l }

func eventStoreOptions(opts []EventStoreOption) (eventStoreConfig, error) {
	var c eventStoreConfig
	for i, o := range opts {
		if o == nil {
			return c, storekit.InvalidArgument("bunstore: option %d is nil", i)
		}
		o.applyEventStore(&c)
	}
	for i, u := range c.upcasters {
		if u == nil {
			return c, storekit.InvalidArgument("bunstore: WithUpcasters: upcaster %d is nil", i)
		}
	}
	var err error
	if c.format, err = checkPayloadFormat(c.format); err != nil {
		return c, err
	}
	if c.observed && check.IsNil(c.observer) {
		return c, storekit.InvalidArgument("bunstore: WithObserver: the observer is nil")
	}
	c.logger = orDiscard(c.logger)
	return c, nil
}

func snapshotStoreOptions(opts []SnapshotStoreOption) (snapshotStoreConfig, error) {
	var c snapshotStoreConfig
	for i, o := range opts {
		if o == nil {
			return c, storekit.InvalidArgument("bunstore: option %d is nil", i)
		}
		o.applySnapshotStore(&c)
	}
	c.logger = orDiscard(c.logger)
	return c, nil
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
