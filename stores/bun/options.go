package bunstore

import (
	"log/slog"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Option configures an EventStore or a SnapshotStore.
type Option func(*config)

type config struct {
	upcasters []es.Upcaster
	logger    *slog.Logger
}

// WithUpcasters adds upcasters the event store applies, in order, on every read path (Load,
// ReadAll). The snapshot store ignores them.
func WithUpcasters(ups ...es.Upcaster) Option {
	return func(c *config) { c.upcasters = append(c.upcasters, ups...) }
}

// WithLogger sets the logger for conflicts and refused appends (debug level). The default
// discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

func buildConfig(opts []Option) (config, error) {
	c := config{}
	for i, o := range opts {
		if o == nil {
			return c, storekit.InvalidArgument("bunstore: option %d is nil", i)
		}
		o(&c)
	}
	for i, u := range c.upcasters {
		if u == nil {
			return c, storekit.InvalidArgument("bunstore: WithUpcasters: upcaster %d is nil", i)
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
