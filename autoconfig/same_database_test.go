package autoconfig_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
)

// An outbox whose URL names the event store's database in another spelling (the default port
// written out, the host in capitals, the parameters in another order) is in that database.
func TestOutboxInTheEventStoresDatabaseSpelledAnotherWay(t *testing.T) {
	cfg := enabledConfig()
	cfg.Store.Provider = config.ProviderBun
	cfg.Store.URL = "postgres://app:pw@localhost/app?sslmode=disable&application_name=orders"
	cfg.Outbox.Enabled = true
	cfg.Outbox.URL = "postgresql://app:pw@LocalHost:5432/app?application_name=orders&sslmode=disable"
	_, err := autoconfig.NewSettings(cfg, nil)
	require.NoError(t, err)

	cfg.Outbox.URL = "postgres://app:pw@localhost:5433/app?sslmode=disable&application_name=orders"
	_, err = autoconfig.NewSettings(cfg, nil)
	require.ErrorIs(t, err, config.ErrInvalidConfig)
	require.ErrorContains(t, err, "pyfly.eventsourcing.outbox.url: the outbox must live in the event store's database")
}
