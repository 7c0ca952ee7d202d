package autoconfig_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
)

// Settings printed with any verb never show a URL's password.
func TestSettingsPrintHidesThePassword(t *testing.T) {
	cfg := config.Default()
	cfg.Enabled = true
	cfg.Store.Provider = config.ProviderBun
	cfg.Store.URL = "postgresql://app:s3cr3t-pw@127.0.0.1:5432/orders"
	require.NoError(t, cfg.Validate())
	s, err := autoconfig.NewSettings(cfg, nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, s)
		assert.NotContains(t, out, "s3cr3t-pw", verb)
		assert.Contains(t, out, "127.0.0.1", verb)
		out = fmt.Sprintf(verb, s.EventStore)
		assert.NotContains(t, out, "s3cr3t-pw", verb)
	}
}
