package testkit

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// testTransactionEnds: the store tells when a transaction ends ([es.TxEndNotifier]): committed
// after a commit, not after fn's error or a panic; the functions of one
// transaction run last first, those registered in a nested InTx with the outer transaction's
// end; outside a transaction, or after it ended, OnTxEnd refuses and never calls.
func testTransactionEnds(t *testing.T, newStore EventStoreFactory, _ Features) {
	ctx := context.Background()
	s := newStore(t)
	tx := transactorOf(t, s)
	n, ok := s.(es.TxEndNotifier)
	require.True(t, ok, "%T must implement es.TxEndNotifier: every event store of this module does", s)

	var got []string
	note := func(name string) func(bool) {
		return func(committed bool) {
			got = append(got, map[bool]string{true: name + " committed", false: name + " not"}[committed])
		}
	}
	assert.False(t, n.OnTxEnd(ctx, note("outside")), "no transaction in ctx")

	var inner context.Context
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
		inner = ctx
		require.True(t, n.OnTxEnd(ctx, note("first")))
		if err := s.Append(ctx, "ends-a", "T", 0, Envelopes(t, "E", 1, 1)); err != nil {
			return err
		}
		return tx.InTx(ctx, func(ctx context.Context) error {
			require.True(t, n.OnTxEnd(ctx, note("nested")))
			assert.Empty(t, got, "a nested InTx joins: nothing has ended")
			return nil
		})
	}))
	assert.Equal(t, []string{"nested committed", "first committed"}, got)
	assert.False(t, n.OnTxEnd(inner, note("late")), "the transaction has ended")

	got = nil
	boom := errors.New("boom")
	require.ErrorIs(t, tx.InTx(ctx, func(ctx context.Context) error {
		require.True(t, n.OnTxEnd(ctx, note("rolled back")))
		if err := s.Append(ctx, "ends-b", "T", 0, Envelopes(t, "E", 1, 1)); err != nil {
			return err
		}
		return boom
	}), boom)
	assert.Equal(t, []string{"rolled back not"}, got)

	got = nil
	require.Panics(t, func() {
		_ = tx.InTx(ctx, func(ctx context.Context) error {
			require.True(t, n.OnTxEnd(ctx, note("panicked")))
			panic("boom")
		})
	})
	assert.Equal(t, []string{"panicked not"}, got)
}
