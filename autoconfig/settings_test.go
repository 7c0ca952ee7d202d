package autoconfig_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
)

// A max wait set alone below the default first wait is the first wait too: nothing blames a
// first wait the user never set. A first wait set above the max is refused, naming its key.
func TestMaxWaitAlone(t *testing.T) {
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(`
pyfly:
  eventsourcing:
    enabled: true
    projection: {retry-max: 10ms}
    outbox: {enabled: true, backoff-max: 10ms}
`)))
	require.NoError(t, err)
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	require.Equal(t, 10*time.Millisecond, s.Config.Projection.RetryInitial)
	require.Equal(t, 10*time.Millisecond, s.Config.Outbox.BackoffInitial)

	// A first wait set above the max is still refused, naming its key.
	cfg.Projection.RetryInitial = 2 * time.Second
	_, err = autoconfig.NewSettings(cfg, discard)
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.projection.retry-initial: needs 0 < initial ≤ max, got initial 2s, max 10ms")
	cfg.Projection.RetryInitial = 0
	cfg.Outbox.BackoffInitial = 2 * time.Second
	_, err = autoconfig.NewSettings(cfg, discard)
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.outbox.backoff-initial: initial (2s) must not exceed max (10ms)")
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

// NewProjections refuses what starting the runners would: a typed projection's registration
// mistake, a name too long for its lease; with dead letters configured.
func TestNewProjectionsChecksLikeNewRunner(t *testing.T) {
	cfg := enabledConfig()
	cfg.Projection.DeadLetterAfter = 3
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	store := memory.NewEventStore()

	typed := projection.NewTyped("orders")
	projection.On(typed, func(context.Context, struct{ A int }, es.Envelope) error { return nil })
	_, err = autoconfig.NewProjections(s, nil, store, []projection.Projection{typed})
	require.ErrorIs(t, err, es.ErrInvalidHandler)
	require.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "reads once: %s", err)
	require.Contains(t, err.Error(), `eventsourcing: projection 0 (*projection.Typed): invalid event handler: projection "orders": `)

	long := projection.FunctionProjection(strings.Repeat("p", projection.MaxNameBytes), func(context.Context, es.Envelope) error { return nil })
	_, err = autoconfig.NewProjections(s, nil, store, []projection.Projection{long})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	require.Contains(t, err.Error(), "with a lease, at most")
	require.Equal(t, 1, strings.Count(err.Error(), "eventsourcing: "), "reads once: %s", err)

	ok := projection.FunctionProjection("orders", func(context.Context, es.Envelope) error { return nil })
	p, err := autoconfig.NewProjections(s, nil, store, []projection.Projection{ok})
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background()))
	require.NoError(t, p.Stop(context.Background()))
}
