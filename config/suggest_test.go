package config_test

import (
	"errors"
	"testing"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// A misspelt key is named, with the key it most likely meant.
func TestMisspeltKeysSayWhatTheyMeant(t *testing.T) {
	for yaml, want := range map[string]string{
		"store: {provder: bun}":            "eventsourcing: pyfly.eventsourcing.store.provder: unknown key; did you mean `pyfly.eventsourcing.store.provider`?",
		"enabeld: true":                    "eventsourcing: pyfly.eventsourcing.enabeld: unknown key; did you mean `pyfly.eventsourcing.enabled`?",
		"store: {URL: x}":                  "eventsourcing: pyfly.eventsourcing.store.URL: unknown key; did you mean `pyfly.eventsourcing.store.url`?",
		"projection: {batchSize: 5}":       "eventsourcing: pyfly.eventsourcing.projection.batchSize: unknown key; did you mean `pyfly.eventsourcing.projection.batch-size`?",
		"outbox: {max_attemps: 5}":         "eventsourcing: pyfly.eventsourcing.outbox.max_attemps: unknown key; did you mean `pyfly.eventsourcing.outbox.max-attempts`?",
		"snapshot: {intervall: 5}":         "eventsourcing: pyfly.eventsourcing.snapshot.intervall: unknown key; did you mean `pyfly.eventsourcing.snapshot.interval`?",
		"outbox: {enable: true}":           "eventsourcing: pyfly.eventsourcing.outbox.enable: unknown key; did you mean `pyfly.eventsourcing.outbox.enabled`?",
		"projections: {batch-size: 5}":     "eventsourcing: pyfly.eventsourcing.projections: unknown key; did you mean `pyfly.eventsourcing.projection`?",
		"projection: {checkpoints: {}}":    "eventsourcing: pyfly.eventsourcing.projection.checkpoints: unknown key; did you mean `pyfly.eventsourcing.projection.checkpoint`?",
		"outbox: {owner: me}":              "eventsourcing: pyfly.eventsourcing.outbox.owner: unknown key; valid keys under pyfly.eventsourcing.outbox: enabled, provider, url, name, max-attempts, dead-letter-policy, poll-interval, publish-timeout, backoff-initial, backoff-max, claim-timeout, retention, batch-size, relays",
		"store: {pool-size: 5}":            "eventsourcing: pyfly.eventsourcing.store.pool-size: unknown key; valid keys under pyfly.eventsourcing.store: provider, url, datasource, auto-migrate, position-strategy, payload-format (auto_migrate is accepted for auto-migrate)",
		"telemetry: {on: true}":            "eventsourcing: pyfly.eventsourcing.telemetry: unknown key; valid keys under pyfly.eventsourcing: enabled, store, snapshot, eda, projection, outbox",
		"store: {provder: bun, ulr: x}":    "eventsourcing: unknown keys pyfly.eventsourcing.store.provder (did you mean `pyfly.eventsourcing.store.provider`?), pyfly.eventsourcing.store.ulr (did you mean `pyfly.eventsourcing.store.url`?)",
		"store: {provder: bun, color: re}": "eventsourcing: unknown keys pyfly.eventsourcing.store.color, pyfly.eventsourcing.store.provder (did you mean `pyfly.eventsourcing.store.provider`?); valid keys: pyfly.eventsourcing.enabled, ",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    "+yaml+"\n")))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.Truef(t, len(err.Error()) >= len(want) && err.Error()[:len(want)] == want, "%s:\n%s\ndoes not start with\n%s", yaml, err, want)
	}

	// From the environment too.
	_, err := config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_ENABLD=true"))
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.enabld: unknown key; did you mean `pyfly.eventsourcing.enabled`?")
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "pyfly.eventsourcing.enabld", ce.Key)

	// A kebab-case key split at its "-" reads as two keys; the message names the key and its
	// variable.
	_, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    outbox: {max: {attempts: 3}}\n")))
	require.EqualError(t, err, "eventsourcing: pyfly.eventsourcing.outbox.max: unknown key; did you mean `pyfly.eventsourcing.outbox.max-attempts`? "+
		`In the environment it is PYFLY_EVENTSOURCING_OUTBOX_MAX_ATTEMPTS ("_" for each ".", "-" and "_")`)
	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_PROJECTION_DEAD_LETTER_AFTE_R=3"))
	require.ErrorContains(t, err, "did you mean `pyfly.eventsourcing.projection.dead-letter-after`? In the environment it is PYFLY_EVENTSOURCING_PROJECTION_DEAD_LETTER_AFTER")
	_, err = config.Load(config.WithYAML(nil), environ("PYFLY_EVENTSOURCING_PROJECTION_DEAD_LETTER_AFTER=3"))
	require.NoError(t, err, "the name the message gives works")
}

// Settings written under a near miss of pyfly.eventsourcing are an error naming the key the
// module reads, not a silent start on the defaults.
func TestMisspeltModuleKey(t *testing.T) {
	for yaml, written := range map[string]string{
		"pyfly: {event-sourcing: {enabled: true}}":                   "pyfly.event-sourcing",
		"pyfly: {eventSourcing: {enabled: true}}":                    "pyfly.eventSourcing",
		"pyfly: {event_sourcing: {store: {provider: bun}}}":          "pyfly.event_sourcing",
		"pyfly: {EventSourcing: {enabled: true}}":                    "pyfly.EventSourcing",
		"pyfly: {eventsourcin: {enabled: true}}":                     "pyfly.eventsourcin",
		"pyfly: {evntsourcing: {enabled: true}}":                     "pyfly.evntsourcing",
		"PyFly: {eventsourcing: {enabled: true}}":                    "PyFly.eventsourcing",
		"pyfly: {eventsourcing: {enabled: true}, event-sourcing: 1}": "pyfly.event-sourcing",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(yaml)))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		require.EqualError(t, err, "eventsourcing: "+written+": the module does not read this key; did you mean `pyfly.eventsourcing`? "+
			"The settings under it are ignored, and the module would start on its defaults (in memory)", yaml)
		var ce *config.Error
		require.True(t, errors.As(err, &ce), yaml)
		assert.Equal(t, written, ce.Key)
	}

	// PYFLY_EVENT_SOURCING_ENABLED reads as pyfly.event.sourcing.enabled.
	_, err := config.Load(config.WithYAML(nil), environ("PYFLY_EVENT_SOURCING_ENABLED=true"))
	require.ErrorContains(t, err, "eventsourcing: pyfly.event.sourcing: the module does not read this key; did you mean `pyfly.eventsourcing`?")

	// The application's other keys under pyfly are left alone.
	k := koanf.New(".")
	require.NoError(t, k.Load(confmap.Provider(map[string]any{
		"pyfly.events.topic": "x", "pyfly.data.relational.url": "sqlite:///./a.db", "pyfly.eda.destination": "y",
		"pyfly.messaging.provider": "nats", "pyfly.event.bus": "z", "pyfly.eventstore.x": 1, "app.eventsourcing": true,
	}, "."), nil))
	_, err = config.FromKoanf(k)
	require.NoError(t, err)
}
