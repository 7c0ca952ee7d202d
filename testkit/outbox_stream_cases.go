package testkit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// streamRecorder is a publish function that keeps the events it published, in call order.
type streamRecorder struct {
	mu  sync.Mutex
	got []es.Envelope
}

func (r *streamRecorder) publish(_ context.Context, e es.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
	return nil
}

func (r *streamRecorder) published() []es.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *streamRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// streamCheckpoints returns a checkpoint store of the target, skipping the case when the target
// has none.
func streamCheckpoints(t *testing.T, tg OutboxTarget) projection.CheckpointStore {
	t.Helper()
	if tg.Checkpoints == nil {
		t.Skip("the target has no checkpoint store (OutboxTarget.Checkpoints)")
	}
	return tg.Checkpoints(t)
}

// streamConfig is a stream's configuration for the suite: quick polls and back-off, the
// suite's outbox, positions stored every 20 ms.
func streamConfig(t *testing.T, cps projection.CheckpointStore) outbox.StreamConfig {
	return outbox.StreamConfig{
		Config: outbox.Config{Name: suiteOutbox, PollInterval: 20 * time.Millisecond,
			BackoffInitial: time.Millisecond, BackoffMax: 10 * time.Millisecond, Logger: suiteLogger(t)},
		Checkpoints:        cps,
		CheckpointInterval: 20 * time.Millisecond,
	}
}

// startStream builds and starts a stream over the target's events, stopped when the test ends.
func startStream(t *testing.T, tg OutboxTarget, publish outbox.PublishFunc, cfg outbox.StreamConfig) *outbox.Stream {
	t.Helper()
	s, err := outbox.NewStream(tg.Events, publish, cfg)
	require.NoError(t, err)
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

func stopStream(t *testing.T, s *outbox.Stream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.Stop(ctx))
}

// appendAccount appends n events to aggregate id after version from, in appends of up to per.
func appendAccount(t *testing.T, s es.EventStore, id string, from, n, per int) {
	t.Helper()
	for done := 0; done < n; {
		k := min(per, n-done)
		require.NoError(t, s.Append(context.Background(), id, "Account", int64(from+done), Envelopes(t, "Deposited", from+done+1, k)))
		done += k
	}
}

// waitStream waits until the store holds n events and the recorders together published n
// (on PostgreSQL, events committed behind a transaction still open become readable once it
// ends: the stream waits for them, and so does this).
func waitStream(t *testing.T, s es.EventStore, n int, recs ...*streamRecorder) {
	t.Helper()
	waitFor(t, time.Minute, func() string { return fmt.Sprintf("%d events stored and published", n) }, func() bool {
		if len(readAll(t, s)) < n {
			return false
		}
		got := 0
		for _, r := range recs {
			got += r.count()
		}
		return got >= n
	})
}

// requirePublishedAsStored checks that got is the stream, each event once, in global order,
// with the global position ReadAll gives it.
func requirePublishedAsStored(t *testing.T, stream, got []es.Envelope) {
	t.Helper()
	require.Equal(t, eventIDs(stream), eventIDs(got), "every event published once, in the global stream's order")
	for i := range stream {
		assert.Equal(t, stream[i].GlobalPosition, got[i].GlobalPosition, "event %d (%s)", i, stream[i].EventID)
	}
}

// testStreamConcurrentWriters: events appended by concurrent writers while the stream runs
// are each published once, in the order of the global stream, with its global positions.
func testStreamConcurrentWriters(t *testing.T, newTarget OutboxStoreFactory) {
	tg := newTarget(t)
	rec := &streamRecorder{}
	s := startStream(t, tg, rec.publish, streamConfig(t, streamCheckpoints(t, tg)))
	const writers, aggregates, perAggregate = 4, 3, 12
	batches := make([][][]es.Envelope, writers) // writer -> append -> events
	for w := range writers {
		for seq := 0; seq < perAggregate; seq += 3 {
			for range aggregates {
				batches[w] = append(batches[w], Envelopes(t, "Deposited", seq+1, 3))
			}
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, events := range batches[w] {
				seq, a := i/aggregates*3, i%aggregates
				id := fmt.Sprintf("w%d-acc-%d", w, a)
				if err := tg.Events.Append(context.Background(), id, "Account", int64(seq), events); err != nil {
					errc <- fmt.Errorf("writer %d, %s: %w", w, id, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		require.NoError(t, err)
	}
	const total = writers * aggregates * perAggregate
	waitStream(t, tg.Events, total, rec)
	stopStream(t, s)
	stream := readAll(t, tg.Events)
	require.Len(t, stream, total)
	requirePublishedAsStored(t, stream, rec.published())
}

// testStreamGlobalPositions: every published message carries the stored event, its global
// position included, as ReadAll gives it; events of several-event appends too.
func testStreamGlobalPositions(t *testing.T, newTarget OutboxStoreFactory) {
	tg := newTarget(t)
	for a := range 3 {
		appendAccount(t, tg.Events, fmt.Sprintf("acc-%d", a), 0, 7, 4)
	}
	rec := &streamRecorder{}
	s := startStream(t, tg, rec.publish, streamConfig(t, streamCheckpoints(t, tg)))
	for a := range 3 {
		appendAccount(t, tg.Events, fmt.Sprintf("acc-%d", a), 7, 5, 5)
	}
	waitStream(t, tg.Events, 36, rec)
	stopStream(t, s)
	stream := readAll(t, tg.Events)
	got := rec.published()
	requirePublishedAsStored(t, stream, got)
	for i := range stream {
		assert.True(t, stream[i].Equal(got[i]), "event %d published as stored", i)
		assert.Equal(t, stream[i].AggregateID, got[i].AggregateID)
		assert.Equal(t, stream[i].Sequence, got[i].Sequence)
	}
}

// testStreamRestart: a stream stopped and a new one started over another checkpoint store of
// the same data (another process) resumes after the stored position: each event is published
// once overall.
func testStreamRestart(t *testing.T, newTarget OutboxStoreFactory) {
	tg := newTarget(t)
	appendAccount(t, tg.Events, "acc-1", 0, 20, 3)
	first := &streamRecorder{}
	s1 := startStream(t, tg, first.publish, streamConfig(t, streamCheckpoints(t, tg)))
	waitStream(t, tg.Events, 20, first)
	stopStream(t, s1)

	appendAccount(t, tg.Events, "acc-1", 20, 10, 3)
	appendAccount(t, tg.Events, "acc-2", 0, 10, 3)
	second := &streamRecorder{}
	startStream(t, tg, second.publish, streamConfig(t, streamCheckpoints(t, tg)))
	waitStream(t, tg.Events, 40, first, second)
	stream := readAll(t, tg.Events)
	require.Len(t, stream, 40)
	requirePublishedAsStored(t, stream[:20], first.published())
	requirePublishedAsStored(t, stream[20:], second.published())
}

// testStreamLeaseTakeover: of two streams of one outbox with a lease (two processes), the second
// stands by while the first publishes, and takes over once the first is stopped, from where it
// stopped: every event published once, none lost.
func testStreamLeaseTakeover(t *testing.T, newTarget OutboxStoreFactory) {
	tg := newTarget(t)
	if tg.Lease == nil {
		t.Skip("the target has no lease (OutboxTarget.Lease)")
	}
	appendAccount(t, tg.Events, "acc-1", 0, 15, 5)
	first, second := &streamRecorder{}, &streamRecorder{}
	cfgA := streamConfig(t, streamCheckpoints(t, tg))
	cfgA.Lease = tg.Lease(t)
	a := startStream(t, tg, first.publish, cfgA)
	waitFor(t, time.Minute, text("the first stream to take the lease"), func() bool {
		st, err := a.Status(context.Background())
		require.NoError(t, err)
		return st.Active
	})
	cfgB := streamConfig(t, streamCheckpoints(t, tg))
	cfgB.Lease = tg.Lease(t)
	b := startStream(t, tg, second.publish, cfgB)
	appendAccount(t, tg.Events, "acc-2", 0, 15, 5)
	waitStream(t, tg.Events, 30, first, second)
	st, err := b.Status(context.Background())
	require.NoError(t, err)
	assert.True(t, st.Running)
	assert.False(t, st.Active, "the second stream stands by while the first holds the lease")
	assert.Zero(t, second.count(), "the standby publishes nothing")

	stopStream(t, a)
	waitFor(t, time.Minute, text("the second stream to take over"), func() bool {
		st, err := b.Status(context.Background())
		require.NoError(t, err)
		return st.Active
	})
	appendAccount(t, tg.Events, "acc-1", 15, 10, 5)
	appendAccount(t, tg.Events, "acc-3", 0, 5, 5)
	waitStream(t, tg.Events, 45, first, second)
	stopStream(t, b)
	stream := readAll(t, tg.Events)
	require.Len(t, stream, 45)
	got := first.published()
	require.Len(t, got, 30, "the first stream published until it stopped")
	requirePublishedAsStored(t, stream, append(got, second.published()...))
}
