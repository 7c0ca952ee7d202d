package testkit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// deleter returns the store as an outbox.DeliveredDeleter, skipping the test when it is not one.
func deleter(t *testing.T, s outbox.Store) outbox.DeliveredDeleter {
	t.Helper()
	d, ok := s.(outbox.DeliveredDeleter)
	if !ok {
		t.Skip("the store does not delete delivered records (outbox.DeliveredDeleter)")
	}
	return d
}

// testOutboxDeleteDelivered: DeleteDelivered deletes exactly the records whose claims are
// current, as MarkDelivered would mark them; they are neither pending, dead nor left to prune,
// and their events can be enqueued again as new records.
func testOutboxDeleteDelivered(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	s := newTarget(t).Store
	d := deleter(t, s)
	var envs []es.Envelope
	for _, id := range []string{"a", "b", "c", "d"} {
		envs = append(envs, OutboxEnvelopes(t, id, 1, 1)...)
	}
	now := suiteNow()
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs, now))
	got := claim(t, s, "r1", 10, now)
	require.Len(t, got, 4)

	otherOwner, otherAttempt := got[0].Claim(), got[1].Claim()
	otherOwner.Owner = "r2"
	otherAttempt.Attempt++
	n, err := d.DeleteDelivered(ctx, suiteOutbox, []outbox.Claim{otherOwner, otherAttempt, {ID: "no-such-record", Owner: "r1", Attempt: 1}})
	require.NoError(t, err)
	assert.Zero(t, n, "claims that are not current delete nothing")
	n, err = d.DeleteDelivered(ctx, "other", claimsOf(got))
	require.NoError(t, err)
	assert.Zero(t, n, "another outbox's records stay")
	require.Len(t, pending(t, s), 4)

	n, err = d.DeleteDelivered(ctx, suiteOutbox, claimsOf(got[:3]))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, []string{got[3].ID}, ids(pending(t, s)))
	dead, err := s.DeadLetters(ctx, suiteOutbox, 10)
	require.NoError(t, err)
	assert.Empty(t, dead)
	n, err = s.Prune(ctx, suiteOutbox, now.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing delivered is left to prune")
	n, err = d.DeleteDelivered(ctx, suiteOutbox, claimsOf(got[:3]))
	require.NoError(t, err)
	assert.Zero(t, n, "a record is deleted once")
	n, err = s.MarkDelivered(ctx, suiteOutbox, claimsOf(got[:3]), now)
	require.NoError(t, err)
	assert.Zero(t, n, "a deleted record cannot be marked")

	// A deleted event can be enqueued again: a new record, due at once, after the others.
	require.NoError(t, s.Enqueue(ctx, suiteOutbox, envs[:1], now))
	assert.Equal(t, []string{got[3].ID, envs[0].EventID}, ids(pending(t, s)))
	again := claim(t, s, "r1", 10, now)
	require.Equal(t, []string{envs[0].EventID}, ids(again), "d's record is still claimed")
	assert.Equal(t, 1, again[0].Attempts, "a new record")

	// Bad input is refused and deletes nothing; ids that fit but match nothing delete nothing.
	_, err = d.DeleteDelivered(ctx, "", claimsOf(again))
	require.ErrorIs(t, err, es.ErrInvalidArgument, "no outbox")
	for name, c := range map[string]outbox.Claim{
		"attempt 0":         {ID: again[0].ID, Owner: "r1", Attempt: 0},
		"no id":             {ID: "", Owner: "r1", Attempt: 1},
		"NUL in the id":     {ID: again[0].ID + "\x00", Owner: "r1", Attempt: 1},
		"invalid UTF-8":     {ID: "\xff\xfe", Owner: "r1", Attempt: 1},
		"owner too long":    {ID: again[0].ID, Owner: strings.Repeat("o", 65), Attempt: 1},
		"no owner":          {ID: again[0].ID, Owner: "", Attempt: 1},
		"id past the limit": {ID: strings.Repeat("i", 65), Owner: "r1", Attempt: 1},
	} {
		_, err = d.DeleteDelivered(ctx, suiteOutbox, []outbox.Claim{c})
		require.ErrorIs(t, err, es.ErrInvalidArgument, name)
	}
	tooMany := make([]outbox.Claim, outbox.MaxBatchSize+1)
	for i := range tooMany {
		tooMany[i] = outbox.Claim{ID: fmt.Sprintf("id-%d", i), Owner: "r1", Attempt: 1}
	}
	_, err = d.DeleteDelivered(ctx, suiteOutbox, tooMany)
	require.ErrorIs(t, err, es.ErrInvalidArgument, "more claims than a batch")
	n, err = d.DeleteDelivered(ctx, suiteOutbox, []outbox.Claim{{ID: "x' OR '1'='1", Owner: "r1", Attempt: 1},
		{ID: `"]; DELETE FROM pyfly_outbox; --`, Owner: "r1", Attempt: 1}})
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = d.DeleteDelivered(ctx, suiteOutbox, nil)
	require.NoError(t, err)
	assert.Zero(t, n)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = d.DeleteDelivered(cancelled, suiteOutbox, claimsOf(again))
	require.Error(t, err, "a cancelled context")
	assert.Equal(t, []string{got[3].ID, envs[0].EventID}, ids(pending(t, s)), "the refused calls deleted nothing")
}

// testRelayKeepsNoDelivered: the relays of an outbox that keeps no delivered records
// (WithRetention(0)) delete each record as they deliver it: every event is published once, in
// order per aggregate, and nothing is left, pending or to prune.
func testRelayKeepsNoDelivered(t *testing.T, newTarget OutboxStoreFactory) {
	ctx := context.Background()
	tg := newTarget(t)
	deleter(t, tg.Store)
	var envs []es.Envelope
	for i := range 10 {
		envs = append(envs, OutboxEnvelopes(t, fmt.Sprintf("agg-%d", i), 1, 5)...)
	}
	rec := &PublishRecorder{}
	startOutbox(t, tg.Store, rec.Publish, fastOptions(t, outbox.WithRetention(0), outbox.WithBatchSize(7), outbox.WithRelays(2))...)
	require.NoError(t, tg.Store.Enqueue(ctx, outbox.DefaultName, envs, time.Now()))
	waitFor(t, time.Minute, text("every event published"), func() bool { return rec.Distinct() == len(envs) })
	waitFor(t, time.Minute, text("nothing pending"), func() bool { return pendingCount(t, tg.Store, outbox.DefaultName) == 0 })
	assert.Empty(t, rec.OrderProblem())
	n, err := tg.Store.Prune(ctx, outbox.DefaultName, time.Now().Add(time.Hour), outbox.MaxBatchSize)
	require.NoError(t, err)
	assert.Zero(t, n, "the relays deleted the records they delivered; none was kept to prune")
}
