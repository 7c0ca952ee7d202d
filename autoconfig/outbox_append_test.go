package autoconfig_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The module's outbox on PostgreSQL has its records written by the append of a save, through
// the module's own event and outbox stores; the records are there once the save commits.
func TestModuleOutboxRecordsRideWithTheAppend(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Enabled = true
	yes := true
	cfg.Store.StoreConfig = config.StoreConfig{Provider: "bun", URL: pgtest.Start(t), AutoMigrate: &yes}
	cfg.Outbox.Enabled = true
	s, err := autoconfig.NewSettings(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	t.Cleanup(func() { _ = dbs.Close() })
	require.NoError(t, dbs.Start(ctx))
	events, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	ps := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	ob, err := autoconfig.NewOutbox(s, dbs, eda.NewPublisher(ps, ""))
	require.NoError(t, err)
	require.NotNil(t, ob)

	envs := testkit.Envelopes(t, "Opened", 1, 2)
	var wrote bool
	require.NoError(t, bunstore.InTx(ctx, dbs.EventStoreDB(), func(ctx context.Context) error {
		actx, written := ob.EnqueueWithAppend(ctx, envs)
		if err := events.Append(actx, "acc-1", "Account", 0, envs); err != nil {
			return err
		}
		wrote = written()
		return nil
	}))
	assert.True(t, wrote, "the append wrote the records")
	recs, err := ob.Pending(ctx, 10)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	for i, r := range recs {
		assert.Equal(t, envs[i].EventID, r.Event.EventID)
		assert.Equal(t, envs[i].GlobalPosition, r.Event.GlobalPosition)
		assert.NotZero(t, r.Event.GlobalPosition)
	}

	// The module's store deletes delivered records as the Bun store does, for relays that keep
	// none.
	d, ok := ob.Store().(outbox.DeliveredDeleter)
	require.True(t, ok)
	now := time.Now()
	claimed, err := ob.Store().Claim(ctx, outbox.ClaimRequest{Outbox: ob.Name(), Owner: "me", Limit: 10, PerAggregate: 10, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, claimed, 2)
	n, err := d.DeleteDelivered(ctx, ob.Name(), []outbox.Claim{claimed[0].Claim(), claimed[1].Claim()})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	recs, err = ob.Pending(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, recs)
}
