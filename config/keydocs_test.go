package config_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// KeyDocs documents exactly the keys the module reads, in the order of Keys, each with a default
// and a description; a default shown as one value is the value the module uses.
func TestKeyDocsMatchTheKeysTheModuleReads(t *testing.T) {
	var documented []string
	for _, d := range config.KeyDocs() {
		documented = append(documented, d.Key)
		assert.NotEmpty(t, d.Default, d.Key)
		assert.True(t, strings.HasSuffix(d.Doc, "."), "%s: one sentence, ending with a full stop: %q", d.Key, d.Doc)
		assert.NotContains(t, d.Doc, "|", "%s: the README table cannot hold a |", d.Key)
		if d.Literal == "" {
			continue
		}
		assert.Equal(t, "`"+d.Literal+"`", d.Default, d.Key)
		// Setting the key to the value shown changes nothing.
		section, leaf := d.Key[:strings.LastIndex(d.Key, ".")], d.Key[strings.LastIndex(d.Key, ".")+1:]
		yaml := ""
		indent := ""
		for _, part := range strings.Split(section, ".") {
			yaml += indent + part + ":\n"
			indent += "  "
		}
		yaml += indent + leaf + ": " + d.Literal + "\n"
		cfg, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(yaml)))
		require.NoError(t, err, "%s: %s", d.Key, yaml)
		assert.Equal(t, config.Default(), cfg, "%s: %s is its default", d.Key, d.Literal)
	}
	require.Equal(t, append(config.Keys(), config.DataKeys()...), documented,
		"every key the module reads has one entry in keyDocs (config/keydocs.go), in the order of Keys; then run go generate ./config")
}
