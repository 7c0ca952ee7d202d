package autoconfig

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/knadh/koanf/v2"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

// SettingsParams are the Fx inputs of [ProvideSettings]. Both are optional and match their exact
// types: a *koanf.Koanf replaces config.Load, a *slog.Logger replaces slog.Default().
type SettingsParams struct {
	fx.In

	Koanf  *koanf.Koanf `optional:"true"`
	Logger *slog.Logger `optional:"true"`
}

// ProvideSettings reads the configuration from p.Koanf, or with [config.Load] when there is none,
// and hands it to [NewSettings]: the module's gate and all of its validation, run before any
// database is built. Every bean of the module depends on it, so asking for any of them while
// pyfly.eventsourcing.enabled is false fails with [config.ErrDisabled].
func ProvideSettings(p SettingsParams) (*Settings, error) {
	var (
		cfg config.Config
		err error
	)
	if p.Koanf != nil {
		cfg, err = config.FromKoanf(p.Koanf)
	} else {
		cfg, err = config.Load()
	}
	if err != nil {
		return nil, fmt.Errorf("eventsourcing: %w", err)
	}
	s, err := NewSettings(cfg, p.Logger)
	if err != nil {
		return nil, fmt.Errorf("eventsourcing: %w", err)
	}
	return s, nil
}

// DatabasesParams are the Fx inputs of [ProvideDatabases].
type DatabasesParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Settings  *Settings
}

// ProvideDatabases builds the module's databases (see [NewDatabases]) and ties them to the Fx
// lifecycle: they connect and prepare their schema on start and close on stop.
func ProvideDatabases(p DatabasesParams) (*Databases, error) {
	d, err := NewDatabases(p.Settings)
	if err != nil {
		return nil, fmt.Errorf("eventsourcing: %w", err)
	}
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error { return d.Start(ctx) },
		OnStop:  func(context.Context) error { return d.Close() },
	})
	return d, nil
}

// EventStoreParams are the Fx inputs of [ProvideEventStore].
type EventStoreParams struct {
	fx.In

	Settings  *Settings
	Databases *Databases
	Upcasters Upcasters `optional:"true"`
}

// ProvideEventStore returns the configured event store (see [NewEventStore]) with the graph's
// [Upcasters], if any.
func ProvideEventStore(p EventStoreParams) (es.EventStore, error) {
	return NewEventStore(p.Settings, p.Databases, p.Upcasters...)
}

// PublisherParams are the Fx inputs of [ProvidePublisher]. Publisher is optional and matches the
// exact type message.Publisher: provide the Watermill publisher as that interface (fx.As).
type PublisherParams struct {
	fx.In

	Settings  *Settings
	Publisher message.Publisher `optional:"true"`
}

// ProvidePublisher returns the publisher onto the graph's message.Publisher, or nil when there is
// none.
func ProvidePublisher(p PublisherParams) *eda.Publisher {
	return NewPublisher(p.Settings, p.Publisher)
}
