package autoconfig_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
)

// Before the fix, a store URL of a megabyte made errors of one to three megabytes on the
// configuration and on start: the URL in the message, and again in the driver's error.
func TestHugeStoreURLMakesASmallError(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	for _, u := range []string{
		"mysql://u:secret@" + long,
		"postgres://u:secret@127.0.0.1:99999999/db?x=" + long,
		"postgres://u:secret@" + long + "/db?connect_timeout=1",
		"postgres://u:secret@127.0.0.1:1/db?connect_timeout=1&x=" + long,
		"sqlite:///" + long,
	} {
		cfg := config.Default()
		cfg.Enabled, cfg.Store.Provider, cfg.Store.URL = true, config.ProviderBun, u
		s, err := autoconfig.NewSettings(cfg, slog.New(slog.DiscardHandler))
		if err == nil {
			dbs, derr := autoconfig.NewDatabases(s)
			require.NoError(t, derr)
			err = dbs.Start(context.Background())
			_ = dbs.Close()
		}
		require.Error(t, err, "%.60s", u)
		assert.Less(t, len(err.Error()), 4096, "%.300s", err)
		assert.NotContains(t, err.Error(), "secret")
	}
}
