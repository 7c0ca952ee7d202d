package projection_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
)

func noop(context.Context, es.Envelope) error { return nil }

func TestNewRunnerRefusesBadArguments(t *testing.T) {
	store := memory.NewEventStore()
	p := projection.FunctionProjection("orders_view", noop)
	var nilTyped *projection.Typed
	for name, tc := range map[string]struct {
		p     projection.Projection
		store es.EventStore
		opts  []projection.Option
		want  string
	}{
		"nil projection":             {nil, store, nil, "projection is nil"},
		"nil typed projection":       {nilTyped, store, nil, "projection is nil"},
		"nil store":                  {p, nil, nil, "event store is nil"},
		"nil memory store":           {p, (*memory.EventStore)(nil), nil, "event store is nil"},
		"nil function":               {projection.FunctionProjection("x", nil), store, nil, "handler function is nil"},
		"empty name":                 {projection.FunctionProjection("", noop), store, nil, "projection name: must not be empty"},
		"name too long":              {projection.FunctionProjection(strings.Repeat("n", 256), noop), store, nil, "projection name: at most 255 bytes"},
		"name with NUL":              {projection.FunctionProjection("a\x00", noop), store, nil, "NUL"},
		"name not UTF-8":             {projection.FunctionProjection("a\xff", noop), store, nil, "UTF-8"},
		"nil option":                 {p, store, []projection.Option{nil}, "option 0 is nil"},
		"batch size 0":               {p, store, []projection.Option{projection.WithBatchSize(0)}, "WithBatchSize: at least 1, got 0"},
		"batch size negative":        {p, store, []projection.Option{projection.WithBatchSize(-5)}, "WithBatchSize"},
		"commit size 0":              {p, store, []projection.Option{projection.WithCommitSize(0)}, "WithCommitSize: at least 1, got 0"},
		"commit size negative":       {p, store, []projection.Option{projection.WithCommitSize(-1 << 62)}, "WithCommitSize"},
		"poll interval 0":            {p, store, []projection.Option{projection.WithPollInterval(0)}, "WithPollInterval: must be more than 0"},
		"poll interval < 0":          {p, store, []projection.Option{projection.WithPollInterval(-time.Second)}, "WithPollInterval"},
		"nil checkpoints":            {p, store, []projection.Option{projection.WithCheckpoints(nil)}, "WithCheckpoints"},
		"nil memory checkpoint":      {p, store, []projection.Option{projection.WithCheckpoints((*memory.CheckpointStore)(nil))}, "WithCheckpoints"},
		"start from middle":          {p, store, []projection.Option{projection.WithStartFrom("middle")}, `"middle" is not "earliest" or "latest"`},
		"nil lease":                  {p, store, []projection.Option{projection.WithLease(nil)}, "WithLease"},
		"lease ttl 0":                {p, store, []projection.Option{projection.WithLeaseTTL(0)}, "projection.WithLeaseTTL: must be from 10ms to 24h0m0s, got 0s"},
		"lease ttl huge":             {p, store, []projection.Option{projection.WithLeaseTTL(1<<63 - 1)}, "WithLeaseTTL: must be from 10ms to 24h0m0s"},
		"retry initial 0":            {p, store, []projection.Option{projection.WithRetry(0, time.Second)}, "WithRetry: needs 0 < initial ≤ max"},
		"retry max < initial":        {p, store, []projection.Option{projection.WithRetry(time.Second, time.Millisecond)}, "WithRetry"},
		"nil logger":                 {p, store, []projection.Option{projection.WithLogger(nil)}, "WithLogger"},
		"empty owner":                {p, store, []projection.Option{projection.WithOwner("")}, "WithOwner: must not be empty"},
		"owner too long":             {p, store, []projection.Option{projection.WithOwner(strings.Repeat("o", 256))}, "WithOwner"},
		"nil dead letters":           {p, store, []projection.Option{projection.WithDeadLetters(nil, 3)}, "WithDeadLetters"},
		"dead letters after 2^31":    {p, store, []projection.Option{projection.WithDeadLetters(memory.NewDeadLetterStore(), 1<<31)}, "WithDeadLetters"},
		"dead letters after 0":       {p, store, []projection.Option{projection.WithDeadLetters(memory.NewDeadLetterStore(), 0)}, "WithDeadLetters: maxAttempts: must be from 1 to 2147483647, got 0"},
		"unknown dead-letter policy": {p, store, []projection.Option{projection.WithDeadLetterPolicy("skip")}, "WithDeadLetterPolicy"},
		"park-aggregate without dead letters": {p, store, []projection.Option{projection.WithDeadLetterPolicy(es.DeadLetterParkAggregate)},
			`DeadLetterPolicy: is "park-aggregate", which parks events, but no event is ever parked: set dead-letter-after`},
		"name too long for lease": {projection.FunctionProjection(strings.Repeat("n", 250), noop), store,
			[]projection.Option{projection.WithLease(memory.NewLease())}, "with a lease, at most 238 bytes, got 250"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := projection.NewRunner(tc.p, tc.store, tc.opts...)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNewRunnerAcceptsTheLimits(t *testing.T) {
	store := memory.NewEventStore()
	_, err := projection.NewRunner(projection.FunctionProjection(strings.Repeat("n", 255), noop), store,
		projection.WithBatchSize(1<<62), projection.WithPollInterval(time.Nanosecond),
		projection.WithLeaseTTL(projection.MaxLeaseTTL), projection.WithRetry(time.Nanosecond, 1<<63-1),
		projection.WithOwner(strings.Repeat("o", 255)), projection.WithStartFrom(projection.StartLatest))
	require.NoError(t, err)
}

func TestParseStartFrom(t *testing.T) {
	for in, want := range map[string]projection.StartFrom{"earliest": projection.StartEarliest, " LATEST ": projection.StartLatest, "Latest": projection.StartLatest} {
		got, err := projection.ParseStartFrom(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"", "middle", "first", "latest\x00"} {
		_, err := projection.ParseStartFrom(in)
		require.ErrorIs(t, err, es.ErrInvalidArgument, in)
		assert.Contains(t, err.Error(), "start-from")
	}
}
