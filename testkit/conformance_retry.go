package testkit

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// testIdempotentRetry: an append retried after an unknown outcome (same event ids, same content,
// same expected version) succeeds without writing; the same ids with other content, or other ids,
// conflict. Before this rule a retry of an append that had committed got ErrConcurrency and the
// caller could not tell it from a lost race.
func testIdempotentRetry(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	batch := Envelopes(t, "E", 1, 2)
	batch[0].Metadata = map[string]any{"correlation_id": "c-1", "n": 7}
	retry := func() []es.Envelope {
		out := make([]es.Envelope, len(batch))
		for i := range batch {
			out[i] = batch[i].Clone()
		}
		return out
	}
	require.NoError(t, s.Append(ctx, "a", "T", 0, retry()))

	again := retry()
	require.NoError(t, s.Append(ctx, "a", "T", 0, again), "the same events at the same version: already stored")
	assert.Equal(t, int64(2), again[1].Sequence, "a retry fills the envelopes like the first append")
	assert.Equal(t, "a", again[1].AggregateID)
	all, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, all, 2, "the retry wrote nothing")

	changed := retry()
	changed[1].Payload = json.RawMessage(`{"n":99}`)
	err = s.Append(ctx, "a", "T", 0, changed)
	require.ErrorIs(t, err, es.ErrConcurrency)
	assert.Contains(t, err.Error(), changed[1].EventID, "the error names the event stored with other content")

	other := Envelopes(t, "E", 5, 2)
	err = s.Append(ctx, "a", "T", 0, other)
	require.ErrorIs(t, err, es.ErrConcurrency)
	var ce *es.ConcurrencyError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, int64(2), ce.Actual)

	// Another aggregate's events under these ids are not a retry: the ids are taken.
	err = s.Append(ctx, "b", "T", 0, retry())
	require.ErrorIs(t, err, es.ErrInvalidArgument)

	// A retry inside a transaction is decided the same way.
	tx := transactorOf(t, s)
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error { return s.Append(ctx, "a", "T", 0, retry()) }))
	all, err = s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, all, 2)
}
