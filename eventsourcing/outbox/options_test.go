package outbox_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
)

func noPublish(context.Context, es.Envelope) error { return nil }

func TestNewRefusesBadOptions(t *testing.T) {
	store := memory.NewOutboxStore()
	cases := map[string][]outbox.Option{
		"nil option":                 {nil},
		"empty name":                 {outbox.WithName("")},
		"name too long":              {outbox.WithName(strings.Repeat("n", 65))},
		"NUL in name":                {outbox.WithName("a\x00")},
		"zero max attempts":          {outbox.WithMaxAttempts(0)},
		"negative max attempts":      {outbox.WithMaxAttempts(-1)},
		"zero back-off":              {outbox.WithBackoff(0, time.Second)},
		"back-off initial above max": {outbox.WithBackoff(2*time.Second, time.Second)},
		"huge back-off":              {outbox.WithBackoff(time.Second, outbox.MaxDuration+1)},
		"zero poll interval":         {outbox.WithPollInterval(0)},
		"negative publish timeout":   {outbox.WithPublishTimeout(-time.Second)},
		"zero claim timeout":         {outbox.WithClaimTimeout(0)},
		"claim not above publish":    {outbox.WithPublishTimeout(time.Minute), outbox.WithClaimTimeout(time.Minute)},
		"zero batch":                 {outbox.WithBatchSize(0)},
		"huge batch":                 {outbox.WithBatchSize(outbox.MaxBatchSize + 1)},
		"zero relays":                {outbox.WithRelays(0)},
		"too many relays":            {outbox.WithRelays(outbox.MaxRelays + 1)},
		"negative retention":         {outbox.WithRetention(-time.Second)},
		"empty owner":                {outbox.WithOwner("")},
		"owner not UTF-8":            {outbox.WithOwner("\xff")},
		"nil logger":                 {outbox.WithLogger(nil)},
	}
	for name, opts := range cases {
		_, err := outbox.New(store, noPublish, opts...)
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
	}
	_, err := outbox.New(nil, noPublish)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	var nilStore *memory.OutboxStore
	_, err = outbox.New(nilStore, noPublish)
	require.ErrorIs(t, err, es.ErrInvalidArgument, "a typed nil store")
	_, err = outbox.New(store, nil)
	require.ErrorIs(t, err, es.ErrInvalidArgument)

	_, err = outbox.New(store, noPublish, outbox.WithPublishTimeout(time.Minute), outbox.WithClaimTimeout(time.Minute))
	assert.ErrorContains(t, err, "claim timeout (1m0s) must be longer than the publish timeout (1m0s)")
}

func TestDefaults(t *testing.T) {
	ob, err := outbox.New(memory.NewOutboxStore(), noPublish)
	require.NoError(t, err)
	assert.Equal(t, "default", ob.Name())
	assert.Contains(t, ob.Owner(), "-"+strconv.Itoa(os.Getpid())+"-", "the owner names the process")
	assert.LessOrEqual(t, len(ob.Owner()), outbox.MaxNameBytes)
	other, err := outbox.New(memory.NewOutboxStore(), noPublish)
	require.NoError(t, err)
	assert.NotEqual(t, ob.Owner(), other.Owner(), "two outboxes of one process never share an owner by chance")
	assert.Equal(t, 5, outbox.DefaultMaxAttempts, "as the seed")
	assert.Equal(t, time.Second, outbox.DefaultBackoffInitial)
	assert.Equal(t, 30*time.Second, outbox.DefaultBackoffMax)
}

func TestEnqueueRefusesBadEvents(t *testing.T) {
	ctx := context.Background()
	ob, err := outbox.New(memory.NewOutboxStore(), noPublish)
	require.NoError(t, err)
	require.NoError(t, ob.EnqueueEvents(ctx, nil), "nothing to enqueue")
	type placed struct{ A int }
	env, err := es.NewEnvelope(placed{1})
	require.NoError(t, err)
	err = ob.Enqueue(ctx, env)
	require.ErrorIs(t, err, es.ErrInvalidArgument, "an envelope without an aggregate id")
	assert.ErrorContains(t, err, "events[0].AggregateID")
	_, err = ob.Pending(ctx, 0)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = ob.DeadLetters(ctx, 0)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	require.ErrorIs(t, ob.Retry(ctx, ""), es.ErrInvalidArgument)
	require.ErrorIs(t, ob.Retry(ctx, "unknown"), outbox.ErrNoDeadLetter)
}
