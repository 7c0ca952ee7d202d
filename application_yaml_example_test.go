package eventsourcing_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// application.yaml.example parses, gives the defaults, and documents every key; the
// configuration table in README.md lists every key too.
func TestApplicationYAMLExample(t *testing.T) {
	data, err := os.ReadFile("application.yaml.example")
	require.NoError(t, err)
	cfg, err := config.Load(config.WithYAML(data), config.WithoutEnv())
	require.NoError(t, err)
	require.Equal(t, config.Default(), cfg)

	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	// With every commented-out key turned on, the file holds every key the module reads, at its
	// place, and is still valid: no key is misspelt.
	on := regexp.MustCompile(`(?m)^(\s+)# ([a-z_-]+: \S.*)$`).ReplaceAllString(string(data), "$1$2")
	k, err := config.LoadKoanf(config.WithYAML([]byte(on)), config.WithoutEnv())
	require.NoError(t, err)
	for _, key := range append(config.Keys(), config.DataKeys()...) {
		require.True(t, k.Exists(key), "example documents %s", key)
		require.Contains(t, string(readme), "`"+key+"`", "README documents %s", key)
	}
	// As written, the example sets each key whose default is one value to that value (as the
	// README's table, generated from config.KeyDocs, shows it), and leaves the others commented out.
	plain, err := config.LoadKoanf(config.WithYAML(data), config.WithoutEnv())
	require.NoError(t, err)
	for _, d := range config.KeyDocs() {
		if d.Literal == "" {
			require.False(t, plain.Exists(d.Key), "%s has no one default value: the example shows it commented out", d.Key)
			continue
		}
		require.True(t, plain.Exists(d.Key), "the example sets %s to its default %s", d.Key, d.Literal)
		require.Equal(t, d.Literal, fmt.Sprint(plain.Get(d.Key)), "the example's default of %s", d.Key)
	}
	// A store takes its database from url or datasource, not both: the url lines stay.
	on = regexp.MustCompile(`(?m)^\s+datasource: .*\n`).ReplaceAllString(on, "")
	all, err := config.Load(config.WithYAML([]byte(on)), config.WithoutEnv())
	require.NoError(t, err)
	require.NotEmpty(t, all.Store.URL)
	require.NotEmpty(t, all.Snapshot.URL)
	require.NotEmpty(t, all.DataRelationalURL)
	require.NotNil(t, all.Store.AutoMigrate)
	require.NotNil(t, all.Snapshot.AutoMigrate)

	// Both say that the older spelling auto_migrate is accepted.
	require.Contains(t, string(data), "auto_migrate is accepted")
	require.Contains(t, string(readme), "`auto_migrate` is accepted")
}
