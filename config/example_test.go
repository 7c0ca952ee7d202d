package config_test

import (
	"errors"
	"fmt"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"

	"github.com/gofly/eventsourcing/config"
)

// Load turns the pyfly.eventsourcing.* keys of a YAML document into a validated Config, with the
// defaults filled in for the keys it leaves out. WithoutEnv keeps PYFLY_* variables out of it.
func ExampleLoad() {
	cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(`
pyfly:
  eventsourcing:
    enabled: true
    store:
      provider: sqlalchemy # read as bun
      url: sqlite:///./app.db
    outbox:
      enabled: true
`)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("store provider:", cfg.Store.Provider)
	fmt.Println("store url from:", cfg.StoreURL().Key)
	fmt.Println("outbox enabled:", cfg.Outbox.Enabled, "provider:", cfg.OutboxProvider())
	fmt.Println("snapshot interval:", cfg.Snapshot.Interval)
	fmt.Println("outbox max attempts:", cfg.Outbox.MaxAttempts)
	// Output:
	// store provider: bun
	// store url from: pyfly.eventsourcing.store.url
	// outbox enabled: true provider: bun
	// snapshot interval: 100
	// outbox max attempts: 5
}

// A misspelt key, an unknown provider or a value out of range is an *Error (errors.As gives its
// Key and Reason) that names the full key and says what is valid; each matches ErrInvalidConfig.
func ExampleLoad_invalid() {
	for _, doc := range []string{
		"pyfly: {eventsourcing: {store: {provder: bun}}}",
		"pyfly: {eventsourcing: {store: {provider: redis}}}",
		"pyfly: {eventsourcing: {snapshot: {interval: 0}}}",
	} {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(doc)))
		if errors.Is(err, config.ErrInvalidConfig) {
			fmt.Println(err)
		}
	}
	// Output:
	// eventsourcing: pyfly.eventsourcing.store.provder: unknown key; did you mean `pyfly.eventsourcing.store.provider`?
	// eventsourcing: pyfly.eventsourcing.store.provider: "redis" is not a known provider; valid values: memory, bun, sqlalchemy (an alias of bun)
	// eventsourcing: pyfly.eventsourcing.snapshot.interval: must be 1 or more: a repository takes a snapshot each time a save crosses a multiple of it (default 100), got 0
}

// An application that loads its own configuration into a *koanf.Koanf hands it to FromKoanf,
// which reads the module's keys from it and leaves the application's own keys alone.
func ExampleFromKoanf() {
	k := koanf.New(".")
	doc := []byte(`
app:
  name: shop
pyfly:
  eventsourcing:
    projection:
      batch-size: 500
`)
	if err := k.Load(rawbytes.Provider(doc), yaml.Parser()); err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := config.FromKoanf(k)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(k.String("app.name"), cfg.Projection.BatchSize, cfg.Store.Provider)
	// Output: shop 500 memory
}
