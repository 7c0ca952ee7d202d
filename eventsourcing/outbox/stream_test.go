package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// streamLog is a publish function that keeps the events it published, in call order. fail,
// when set, decides each call's outcome first.
type streamLog struct {
	fail func(ctx context.Context, e es.Envelope) error

	mu    sync.Mutex
	got   []es.Envelope
	calls map[string]int
}

func (l *streamLog) publish(ctx context.Context, e es.Envelope) error {
	var err error
	if l.fail != nil {
		err = l.fail(ctx, e)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[string]int{}
	}
	l.calls[e.EventID]++
	if err == nil {
		l.got = append(l.got, e)
	}
	return err
}

// published returns the events published, in order.
func (l *streamLog) published() []es.Envelope {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

func (l *streamLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.got)
}

func (l *streamLog) callsOf(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[id]
}

func idsOf(envs []es.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.EventID
	}
	return out
}

// appendStream appends n events to aggregate id, one append each, after version from.
func appendStream(t *testing.T, s es.EventStore, id string, from, n int) {
	t.Helper()
	for i := range n {
		envs := testkit.Envelopes(t, "Deposited", from+i+1, 1)
		require.NoError(t, s.Append(context.Background(), id, "Account", int64(from+i), envs))
	}
}

// readStream returns the whole global stream.
func readStream(t *testing.T, s es.EventStore) []es.Envelope {
	t.Helper()
	all, err := s.ReadAll(context.Background(), 0, 10000)
	require.NoError(t, err)
	return all
}

// fastStream is a stream configuration for tests: quick polls and back-off, no logs.
func fastStream(cfg outbox.StreamConfig) outbox.StreamConfig {
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	if cfg.BackoffInitial == 0 {
		cfg.BackoffInitial, cfg.BackoffMax = time.Millisecond, 5*time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// startStream builds and starts a stream, stopped when the test ends.
func startStream(t *testing.T, events es.EventStore, publish outbox.PublishFunc, cfg outbox.StreamConfig) *outbox.Stream {
	t.Helper()
	s, err := outbox.NewStream(events, publish, fastStream(cfg))
	require.NoError(t, err)
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

func stopStream(t *testing.T, s *outbox.Stream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Stop(ctx))
}

func storedAt(t *testing.T, cps projection.CheckpointStore, name string) int64 {
	t.Helper()
	p, _, err := cps.Position(context.Background(), outbox.StreamName(name))
	require.NoError(t, err)
	return p
}

// TestStreamPublishesEveryEventOnceInOrder: with nothing failing, every event appended before and
// while the stream runs is published once, in the order of the global stream, with the global
// position ReadAll gives it.
func TestStreamPublishesEveryEventOnceInOrder(t *testing.T) {
	events := memory.NewEventStore()
	for a := range 3 {
		appendStream(t, events, fmt.Sprintf("acc-%d", a), 0, 5)
	}
	log := &streamLog{}
	s := startStream(t, events, log.publish, outbox.StreamConfig{Config: outbox.Config{BatchSize: 4}, Checkpoints: memory.NewCheckpointStore()})
	assert.Equal(t, outbox.DefaultName, s.Name())
	for a := range 3 {
		appendStream(t, events, fmt.Sprintf("acc-%d", a), 5, 5)
	}
	waitFor(t, "every event published", func() bool { return log.count() >= 30 })
	stopStream(t, s)

	all := readStream(t, events)
	require.Len(t, all, 30)
	got := log.published()
	require.Equal(t, idsOf(all), idsOf(got), "each event once, in global order")
	for i := range all {
		assert.Equal(t, all[i].GlobalPosition, got[i].GlobalPosition, "event %d", i)
		assert.Positive(t, got[i].GlobalPosition)
	}
	st, err := s.Status(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "outbox:default", st.Name)
	assert.Equal(t, all[29].GlobalPosition, st.Position)
}

// TestStreamRestartResumesAfterStoredPosition: Stop stores the position reached (the interval
// is an hour, so nothing else does); a new stream over the same checkpoints publishes only what
// followed, each event once overall.
func TestStreamRestartResumesAfterStoredPosition(t *testing.T) {
	events := memory.NewEventStore()
	cps := memory.NewCheckpointStore()
	cfg := outbox.StreamConfig{Config: outbox.Config{Name: "orders"}, Checkpoints: cps, CheckpointInterval: time.Hour}
	appendStream(t, events, "a", 0, 20)
	first := &streamLog{}
	s1 := startStream(t, events, first.publish, cfg)
	waitFor(t, "the first stream to publish the 20 events", func() bool { return first.count() == 20 })
	stopStream(t, s1)
	all := readStream(t, events)
	assert.Equal(t, all[19].GlobalPosition, storedAt(t, cps, "orders"), "Stop stored the position reached")

	appendStream(t, events, "a", 20, 10)
	appendStream(t, events, "b", 0, 10)
	second := &streamLog{}
	startStream(t, events, second.publish, cfg)
	waitFor(t, "the second stream to publish the rest", func() bool { return second.count() >= 20 })
	all = readStream(t, events)
	assert.Equal(t, idsOf(all[:20]), idsOf(first.published()))
	assert.Equal(t, idsOf(all[20:]), idsOf(second.published()), "the second stream starts after the stored position")
}

// killableCheckpoints is the checkpoint store of a process that can die: after kill every call
// fails.
type killableCheckpoints struct {
	projection.CheckpointStore
	dead atomic.Bool
}

var errDead = errors.New("the process is dead")

func (k *killableCheckpoints) Load(ctx context.Context, name string, initial, fence int64) (int64, error) {
	if k.dead.Load() {
		return 0, errDead
	}
	return k.CheckpointStore.Load(ctx, name, initial, fence)
}

func (k *killableCheckpoints) Position(ctx context.Context, name string) (int64, bool, error) {
	if k.dead.Load() {
		return 0, false, errDead
	}
	return k.CheckpointStore.Position(ctx, name)
}

func (k *killableCheckpoints) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	if k.dead.Load() {
		return false, errDead
	}
	return k.CheckpointStore.Move(ctx, name, expected, next, fence)
}

func (k *killableCheckpoints) Reset(ctx context.Context, name string, position int64) error {
	if k.dead.Load() {
		return errDead
	}
	return k.CheckpointStore.Reset(ctx, name, position)
}

// TestStreamKilledRepublishesOnlySinceLastStore: a stream whose process dies without Stop (its
// checkpoint store and its broker connection die with it) published 15 events, of which the
// store holds the first 10; a new stream publishes the 5 since then again and the rest once,
// and loses none.
func TestStreamKilledRepublishesOnlySinceLastStore(t *testing.T) {
	events := memory.NewEventStore()
	cps := memory.NewCheckpointStore()
	victimCps := &killableCheckpoints{CheckpointStore: cps}
	appendStream(t, events, "a", 0, 10)
	var seen atomic.Int32
	victim := &streamLog{fail: func(context.Context, es.Envelope) error {
		if victimCps.dead.Load() {
			return errDead // a dead process publishes nothing more
		}
		if seen.Add(1) == 15 {
			victimCps.dead.Store(true) // it dies right after the broker took the 15th event
		}
		return nil
	}}
	startStream(t, events, victim.publish, outbox.StreamConfig{Checkpoints: victimCps, CheckpointInterval: 5 * time.Millisecond})
	waitFor(t, "the victim to publish and store the first 10", func() bool {
		return victim.count() == 10 && storedAt(t, cps, outbox.DefaultName) == readStream(t, events)[9].GlobalPosition
	})
	appendStream(t, events, "a", 10, 10)
	waitFor(t, "the victim to die", func() bool { return victim.count() == 15 && victimCps.dead.Load() })
	all := readStream(t, events)
	require.Equal(t, all[9].GlobalPosition, storedAt(t, cps, outbox.DefaultName), "the store holds what was stored before the death")

	survivor := &streamLog{}
	startStream(t, events, survivor.publish, outbox.StreamConfig{Checkpoints: cps, CheckpointInterval: 5 * time.Millisecond})
	waitFor(t, "the survivor to publish the rest", func() bool { return survivor.count() >= 10 })
	assert.Equal(t, idsOf(all[:15]), idsOf(victim.published()))
	assert.Equal(t, idsOf(all[10:]), idsOf(survivor.published()),
		"the survivor publishes again only the 5 published since the last store, and the rest once")
}

// TestStreamSeesAnIdleReset: a caught-up stream notices that its checkpoint was reset past it
// (by an operator) and publishes the stream again from there, with no new event appended.
func TestStreamSeesAnIdleReset(t *testing.T) {
	events := memory.NewEventStore()
	cps := memory.NewCheckpointStore()
	appendStream(t, events, "a", 0, 5)
	log := &streamLog{}
	startStream(t, events, log.publish, outbox.StreamConfig{Checkpoints: cps, CheckpointInterval: 5 * time.Millisecond})
	all := readStream(t, events)
	waitFor(t, "the events published and stored", func() bool {
		return log.count() == 5 && storedAt(t, cps, outbox.DefaultName) == all[4].GlobalPosition
	})
	require.NoError(t, cps.Reset(context.Background(), outbox.StreamName(outbox.DefaultName), all[1].GlobalPosition))
	waitFor(t, "the events after the reset position published again", func() bool { return log.count() == 8 })
	assert.Equal(t, append(idsOf(all), idsOf(all[2:])...), idsOf(log.published()))
}

// TestStreamRetriesAFailedPublish: a failed publish is retried, in order, before the events
// after it; the observer is told each attempt with its number.
func TestStreamRetriesAFailedPublish(t *testing.T) {
	events := memory.NewEventStore()
	appendStream(t, events, "a", 0, 3)
	all := readStream(t, events)
	var failures atomic.Int32
	log := &streamLog{fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == all[1].EventID && failures.Add(1) <= 2 {
			return errors.New("broker down")
		}
		return nil
	}}
	obs := &testkit.RecordingObserver{}
	startStream(t, events, log.publish, outbox.StreamConfig{Config: outbox.Config{Name: "orders", Observer: obs}})
	// The observer hears of a publish after it returns: wait for both.
	waitFor(t, "every event published", func() bool { return log.count() == 3 && len(obs.Publishes()) >= 5 })
	assert.Equal(t, idsOf(all), idsOf(log.published()))
	assert.Equal(t, 3, log.callsOf(all[1].EventID))

	ps := obs.Publishes()
	require.Len(t, ps, 5)
	want := []struct {
		id      string
		attempt int
		failed  bool
	}{{all[0].EventID, 1, false}, {all[1].EventID, 1, true}, {all[1].EventID, 2, true}, {all[1].EventID, 3, false}, {all[2].EventID, 1, false}}
	for i, w := range want {
		p := ps[i]
		assert.Equal(t, "orders", p.Publish.Outbox, "publish %d", i)
		assert.Equal(t, w.id, p.Publish.EventID, "publish %d", i)
		assert.Equal(t, w.attempt, p.Publish.Attempt, "publish %d", i)
		assert.Equal(t, "Deposited", p.Publish.EventType, "publish %d", i)
		assert.Equal(t, "Account", p.Publish.AggregateType, "publish %d", i)
		if w.failed {
			assert.EqualError(t, p.Result.Err, "broker down", "publish %d", i)
		} else {
			assert.NoError(t, p.Result.Err, "publish %d", i)
		}
	}
}

// TestStreamParksADeadLetter: with MaxAttempts and a dead-letter store, an event whose publish
// always fails becomes a dead letter after exactly MaxAttempts attempts, and the events after it,
// of its aggregate too, go on (es.DeadLetterPark).
func TestStreamParksADeadLetter(t *testing.T) {
	events := memory.NewEventStore()
	appendStream(t, events, "a", 0, 1)
	appendStream(t, events, "b", 0, 1)
	appendStream(t, events, "a", 1, 1)
	all := readStream(t, events)
	poison := all[0].EventID
	log := &streamLog{fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == poison {
			return errors.New("broker refused")
		}
		return nil
	}}
	dead := memory.NewDeadLetterStore()
	s := startStream(t, events, log.publish, outbox.StreamConfig{
		Config:      outbox.Config{MaxAttempts: 3, DeadLetterPolicy: es.DeadLetterPark},
		Checkpoints: memory.NewCheckpointStore(), DeadLetters: dead,
	})
	waitFor(t, "the later events published", func() bool { return log.count() == 2 })
	assert.Equal(t, idsOf(all[1:]), idsOf(log.published()))
	assert.Equal(t, 3, log.callsOf(poison), "exactly MaxAttempts attempts")
	letters, err := dead.List(context.Background(), outbox.StreamName(outbox.DefaultName), 0, 10)
	require.NoError(t, err)
	require.Len(t, letters, 1)
	assert.Equal(t, poison, letters[0].Event.EventID)
	assert.Equal(t, 3, letters[0].Attempts)
	st, err := s.Status(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.DeadLetters)
}

// TestStreamDeadLetterRetried: a dead letter an operator asks for again (esctl dead-letters
// retry --projection outbox:default) is published by the running stream once the broker takes it,
// and leaves the dead letters.
func TestStreamDeadLetterRetried(t *testing.T) {
	events := memory.NewEventStore()
	appendStream(t, events, "a", 0, 2)
	all := readStream(t, events)
	poison := all[0].EventID
	var down atomic.Bool
	down.Store(true)
	log := &streamLog{fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == poison && down.Load() {
			return errors.New("broker refused")
		}
		return nil
	}}
	dead := memory.NewDeadLetterStore()
	startStream(t, events, log.publish, outbox.StreamConfig{
		Config:      outbox.Config{MaxAttempts: 2, DeadLetterPolicy: es.DeadLetterPark},
		Checkpoints: memory.NewCheckpointStore(), DeadLetters: dead,
	})
	name := outbox.StreamName(outbox.DefaultName)
	waitFor(t, "the event after the dead letter published", func() bool { return log.count() == 1 })
	down.Store(false)
	require.NoError(t, dead.RequestRetry(context.Background(), name, poison))
	waitFor(t, "the dead letter published on request", func() bool { return log.count() == 2 })
	assert.Equal(t, []string{all[1].EventID, poison}, idsOf(log.published()))
	waitFor(t, "the dead letter gone", func() bool {
		letters, err := dead.List(context.Background(), name, 0, 10)
		return err == nil && len(letters) == 0
	})
}

// TestStreamParkAggregateHoldsItsLaterEvents: under es.DeadLetterParkAggregate the failing
// aggregate's later events are held back behind its dead letter while other aggregates flow.
func TestStreamParkAggregateHoldsItsLaterEvents(t *testing.T) {
	events := memory.NewEventStore()
	appendStream(t, events, "a", 0, 1)
	appendStream(t, events, "b", 0, 1)
	appendStream(t, events, "a", 1, 1)
	appendStream(t, events, "b", 1, 1)
	all := readStream(t, events) // a1 b1 a2 b2
	poison := all[0].EventID
	log := &streamLog{fail: func(_ context.Context, e es.Envelope) error {
		if e.EventID == poison {
			return errors.New("broker refused")
		}
		return nil
	}}
	dead := memory.NewDeadLetterStore()
	startStream(t, events, log.publish, outbox.StreamConfig{
		Config:      outbox.Config{MaxAttempts: 2, DeadLetterPolicy: es.DeadLetterParkAggregate},
		Checkpoints: memory.NewCheckpointStore(), DeadLetters: dead,
	})
	waitFor(t, "b's events published", func() bool { return log.count() == 2 })
	appendStream(t, events, "b", 2, 1)
	waitFor(t, "b's later event published", func() bool { return log.count() == 3 })
	all = readStream(t, events)
	assert.Equal(t, []string{all[1].EventID, all[3].EventID, all[4].EventID}, idsOf(log.published()))
	assert.Equal(t, 2, log.callsOf(poison))
	assert.Zero(t, log.callsOf(all[2].EventID), "a's later event is held back")
	letters, err := dead.List(context.Background(), outbox.StreamName(outbox.DefaultName), 0, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{poison, all[2].EventID}, func() []string {
		var ids []string
		for _, d := range letters {
			ids = append(ids, d.Event.EventID)
		}
		return ids
	}(), "the dead letter and the event held behind it")
}

// TestStreamPublishTimeout: a publish that blocks past PublishTimeout is a failed attempt, as
// is one that returns success after it; the next attempts go on.
func TestStreamPublishTimeout(t *testing.T) {
	events := memory.NewEventStore()
	appendStream(t, events, "a", 0, 2)
	all := readStream(t, events)
	var calls atomic.Int32
	log := &streamLog{fail: func(ctx context.Context, e es.Envelope) error {
		switch calls.Add(1) {
		case 1: // blocks until the timeout ends it
			<-ctx.Done()
			return ctx.Err()
		case 2: // ignores the context's end, and reports success too late
			<-ctx.Done()
			return nil
		}
		return nil
	}}
	obs := &testkit.RecordingObserver{}
	startStream(t, events, log.publish, outbox.StreamConfig{Config: outbox.Config{PublishTimeout: 20 * time.Millisecond, Observer: obs}})
	// The observer hears of a publish after it returns: wait for both.
	waitFor(t, "both events published", func() bool { return log.count() == 3 && len(obs.Publishes()) >= 4 })
	ps := obs.Publishes()
	require.GreaterOrEqual(t, len(ps), 4)
	assert.Equal(t, all[0].EventID, ps[0].Publish.EventID)
	assert.ErrorIs(t, ps[0].Result.Err, context.DeadlineExceeded, "the blocked publish failed")
	assert.Equal(t, all[0].EventID, ps[1].Publish.EventID)
	assert.Equal(t, 2, ps[1].Publish.Attempt)
	require.Error(t, ps[1].Result.Err, "a success reported after the timeout is a failed attempt")
	assert.True(t, strings.Contains(ps[1].Result.Err.Error(), "timed out"), "%v", ps[1].Result.Err)
	assert.Equal(t, 3, ps[2].Publish.Attempt)
	assert.NoError(t, ps[2].Result.Err)
	assert.Equal(t, 3, log.callsOf(all[0].EventID))
	assert.Equal(t, 1, log.callsOf(all[1].EventID))
	assert.Equal(t, all[1].EventID, log.published()[2].EventID)
}

// TestStreamWarnsOfAPublishThatDoesNotReturn: a publish that ignores its context's end holds the
// stream back until it returns, and the stream says so in a warning naming the event; a publish
// that returns when its context ends gets no such warning. Once the stuck publish returns, the
// stream goes on, retrying the event it timed out on.
func TestStreamWarnsOfAPublishThatDoesNotReturn(t *testing.T) {
	const overdue = "outbox: stream: a publish has not returned after its context ended at the publish timeout; the stream waits for it before it goes on"
	events := memory.NewEventStore()
	appendStream(t, events, "a", 0, 1)
	appendStream(t, events, "b", 0, 1)
	all := readStream(t, events)
	release := make(chan struct{})
	var calls atomic.Int32
	log := &streamLog{fail: func(ctx context.Context, e es.Envelope) error {
		switch calls.Add(1) {
		case 1: // returns when the timeout ends its context: no warning
			<-ctx.Done()
			return ctx.Err()
		case 2: // ignores its context's end until released
			<-release
			return nil
		}
		return nil
	}}
	logs := testkit.NewLogRecorder()
	startStream(t, events, log.publish, outbox.StreamConfig{Config: outbox.Config{
		PublishTimeout: 20 * time.Millisecond, Logger: logs.Logger()}})
	waitFor(t, "the warning about the stuck publish", func() bool { return logs.Count(overdue) > 0 })
	assert.Zero(t, log.count(), "nothing is published while the publish is stuck")
	assert.Equal(t, 1, logs.Count(overdue), "one warning, for the publish that did not return: %s", logs)
	for _, rec := range logs.Records() {
		if rec.Message == overdue {
			assert.Equal(t, all[0].EventID, rec.Attrs["event_id"])
			assert.Equal(t, "a", rec.Attrs["aggregate_id"])
			assert.Equal(t, outbox.DefaultName, rec.Attrs["outbox"])
		}
	}
	close(release)
	// The stuck publish reported success after its timeout: a failed attempt, which the log
	// keeps too, then the retry and the next event.
	waitFor(t, "both events published", func() bool { return log.count() == 3 })
	assert.Equal(t, idsOf(all), idsOf(log.published()[1:]), "in order, the stuck event retried first")
	assert.Equal(t, 3, log.callsOf(all[0].EventID))
	assert.Equal(t, 1, log.callsOf(all[1].EventID))
}

// TestNewStreamRefusesBadArguments: a nil store or publish function, a bad outbox setting and a
// bad checkpoint interval are errors matching es.ErrInvalidArgument.
func TestNewStreamRefusesBadArguments(t *testing.T) {
	events := memory.NewEventStore()
	publish := func(context.Context, es.Envelope) error { return nil }
	_, err := outbox.NewStream(nil, publish, outbox.StreamConfig{})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	var typedNil *memory.EventStore
	_, err = outbox.NewStream(typedNil, publish, outbox.StreamConfig{})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = outbox.NewStream(events, nil, outbox.StreamConfig{})
	require.ErrorIs(t, err, es.ErrInvalidArgument)

	for _, tc := range []struct {
		field string
		cfg   outbox.StreamConfig
	}{
		{"Name", outbox.StreamConfig{Config: outbox.Config{Name: "a\x00b"}}},
		{"MaxAttempts", outbox.StreamConfig{Config: outbox.Config{MaxAttempts: -1}}},
		{"BatchSize", outbox.StreamConfig{Config: outbox.Config{BatchSize: outbox.MaxBatchSize + 1}}},
		{"PollInterval", outbox.StreamConfig{Config: outbox.Config{PollInterval: -time.Second}}},
		{"BackoffInitial", outbox.StreamConfig{Config: outbox.Config{BackoffInitial: time.Minute, BackoffMax: time.Second}}},
		{"DeadLetterPolicy", outbox.StreamConfig{Config: outbox.Config{DeadLetterPolicy: "bogus"}}},
		{"CheckpointInterval", outbox.StreamConfig{CheckpointInterval: -time.Millisecond}},
		{"CheckpointInterval", outbox.StreamConfig{CheckpointInterval: outbox.MaxDuration + 1}},
	} {
		_, err := outbox.NewStream(events, publish, tc.cfg)
		require.ErrorIs(t, err, es.ErrInvalidArgument, "%s", tc.field)
		var ce *outbox.ConfigError
		require.ErrorAs(t, err, &ce, "%s", tc.field)
		assert.Equal(t, tc.field, ce.Field)
	}
	s, err := outbox.NewStream(events, publish, outbox.StreamConfig{CheckpointInterval: outbox.MaxDuration})
	require.NoError(t, err)
	assert.NotNil(t, s.Runner())
}

// releaseHook is a lease whose Release, once it has given the lease up, waits for after: the
// moment between a runner's release and what follows it, held open.
type releaseHook struct {
	projection.Lease
	after func()
}

func (h releaseHook) Release(ctx context.Context, name, owner string, token int64) error {
	err := h.Lease.Release(ctx, name, owner, token)
	h.after()
	return err
}

// loadSignal closes loaded after the first Load through it.
type loadSignal struct {
	projection.CheckpointStore
	once   sync.Once
	loaded chan struct{}
}

func (s *loadSignal) Load(ctx context.Context, name string, initial, fence int64) (int64, error) {
	p, err := s.CheckpointStore.Load(ctx, name, initial, fence)
	s.once.Do(func() { close(s.loaded) })
	return p, err
}

// TestStreamHandoverRepublishesNothing: a stream standing by on the lease takes over when the
// active one stops, from where it stopped: the stopping stream stores its position before it
// releases the lease, so even a standby that loads the checkpoint at once (here, before Release
// returns) publishes nothing twice, and nothing is lost.
func TestStreamHandoverRepublishesNothing(t *testing.T) {
	events := memory.NewEventStore()
	cps := memory.NewCheckpointStore()
	lease := memory.NewLease()
	standbyCps := &loadSignal{CheckpointStore: cps, loaded: make(chan struct{})}
	hook := releaseHook{Lease: lease, after: func() {
		select { // the standby acquires the lease and loads the checkpoint now
		case <-standbyCps.loaded:
		case <-time.After(10 * time.Second):
		}
	}}
	appendStream(t, events, "a", 0, 20)
	first := &streamLog{}
	a := startStream(t, events, first.publish, outbox.StreamConfig{Checkpoints: cps, Lease: hook, CheckpointInterval: time.Hour})
	waitFor(t, "the active stream to publish the 20 events", func() bool { return first.count() == 20 })
	second := &streamLog{}
	b := startStream(t, events, second.publish, outbox.StreamConfig{Checkpoints: standbyCps, Lease: lease, CheckpointInterval: time.Hour})
	waitFor(t, "the second stream to stand by", func() bool {
		st, err := b.Status(context.Background())
		require.NoError(t, err)
		return st.Running && !st.Active
	})
	st, err := b.Status(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, st.LeaseHolder, "the standby's lease tells who holds it")
	stopStream(t, a)
	waitFor(t, "the second stream to take over", func() bool {
		st, err := b.Status(context.Background())
		require.NoError(t, err)
		return st.Active
	})
	appendStream(t, events, "b", 0, 10)
	waitFor(t, "the second stream to publish the new events", func() bool { return second.count() >= 10 })
	all := readStream(t, events)
	assert.Equal(t, idsOf(all[:20]), idsOf(first.published()))
	assert.Equal(t, idsOf(all[20:]), idsOf(second.published()), "the standby starts where the active stream stopped")
}
