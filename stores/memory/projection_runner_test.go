package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

func TestProjectionRunnerAcceptance(t *testing.T) {
	testkit.RunProjectionRunnerSuite(t, memoryBackend)
}

// memoryBackend shares one set of memory stores between the "processes" of a test; each process
// reaches them through its own killable wrappers, as through its own connection pool.
func memoryBackend(t *testing.T) func(t *testing.T) testkit.ProjectionStores {
	events := memory.NewEventStore()
	checkpoints := memory.NewCheckpointStore()
	lease := memory.NewLease()
	letters := memory.NewDeadLetterStore()
	rm := memory.NewEventStore()
	return func(t *testing.T) testkit.ProjectionStores {
		p := &pool{}
		return testkit.ProjectionStores{
			Events:      &killableEvents{EventStore: events, p: p},
			Checkpoints: &killableCheckpoints{s: checkpoints, p: p},
			Lease:       &killableLease{l: lease, p: p},
			DeadLetters: &killableLetters{s: letters, p: p},
			ReadModel:   &memReadModel{store: rm, p: p},
			Kill:        func() { p.dead.Store(true) },
		}
	}
}

var errKilled = errors.New("the process was killed")

// pool is what the wrappers of one process share: whether it was killed.
type pool struct{ dead atomic.Bool }

func (p *pool) check() error {
	if p.dead.Load() {
		return errKilled
	}
	return nil
}

type killableEvents struct {
	es.EventStore
	p *pool
}

func (k *killableEvents) Append(ctx context.Context, id, typ string, expected int64, events []es.Envelope) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.EventStore.Append(ctx, id, typ, expected, events)
}

func (k *killableEvents) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if err := k.p.check(); err != nil {
		return nil, err
	}
	return k.EventStore.ReadAll(ctx, after, limit)
}

func (k *killableEvents) LastPosition(ctx context.Context) (int64, error) {
	if err := k.p.check(); err != nil {
		return 0, err
	}
	return k.EventStore.LastPosition(ctx)
}

func (k *killableEvents) CommitNotifications(ctx context.Context) <-chan struct{} {
	return k.EventStore.(es.CommitNotifier).CommitNotifications(ctx)
}

func (k *killableEvents) Unwrap() es.EventStore { return k.EventStore }

type killableCheckpoints struct {
	s *memory.CheckpointStore
	p *pool
}

func (k *killableCheckpoints) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.s.InTx(ctx, fn)
}

func (k *killableCheckpoints) Load(ctx context.Context, name string, initial, fence int64) (int64, error) {
	if err := k.p.check(); err != nil {
		return 0, err
	}
	return k.s.Load(ctx, name, initial, fence)
}

func (k *killableCheckpoints) Position(ctx context.Context, name string) (int64, bool, error) {
	if err := k.p.check(); err != nil {
		return 0, false, err
	}
	return k.s.Position(ctx, name)
}

func (k *killableCheckpoints) Move(ctx context.Context, name string, expected, next, fence int64) (bool, error) {
	if err := k.p.check(); err != nil {
		return false, err
	}
	return k.s.Move(ctx, name, expected, next, fence)
}

func (k *killableCheckpoints) Reset(ctx context.Context, name string, position int64) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.s.Reset(ctx, name, position)
}

type killableLease struct {
	l *memory.Lease
	p *pool
}

func (k *killableLease) TryAcquire(ctx context.Context, name, owner string, ttl time.Duration) (int64, bool, error) {
	if err := k.p.check(); err != nil {
		return 0, false, err
	}
	return k.l.TryAcquire(ctx, name, owner, ttl)
}

func (k *killableLease) Extend(ctx context.Context, name, owner string, token int64, ttl time.Duration) (bool, error) {
	if err := k.p.check(); err != nil {
		return false, err
	}
	return k.l.Extend(ctx, name, owner, token, ttl)
}

func (k *killableLease) Release(ctx context.Context, name, owner string, token int64) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.l.Release(ctx, name, owner, token)
}

type killableLetters struct {
	s *memory.DeadLetterStore
	p *pool
}

func (k *killableLetters) Park(ctx context.Context, d projection.DeadLetter) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.s.Park(ctx, d)
}

func (k *killableLetters) List(ctx context.Context, name string, after int64, limit int) ([]projection.DeadLetter, error) {
	if err := k.p.check(); err != nil {
		return nil, err
	}
	return k.s.List(ctx, name, after, limit)
}

func (k *killableLetters) Count(ctx context.Context, name string) (int64, error) {
	if err := k.p.check(); err != nil {
		return 0, err
	}
	return k.s.Count(ctx, name)
}

func (k *killableLetters) Delete(ctx context.Context, name, eventID string) (bool, error) {
	if err := k.p.check(); err != nil {
		return false, err
	}
	return k.s.Delete(ctx, name, eventID)
}

func (k *killableLetters) RequestRetry(ctx context.Context, name, eventID string) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.s.RequestRetry(ctx, name, eventID)
}

func (k *killableLetters) RetryRequests(ctx context.Context, name string, limit int) ([]projection.DeadLetter, error) {
	if err := k.p.check(); err != nil {
		return nil, err
	}
	return k.s.RetryRequests(ctx, name, limit)
}

func (k *killableLetters) Skip(ctx context.Context, name, eventID, by string, at time.Time) error {
	if err := k.p.check(); err != nil {
		return err
	}
	return k.s.Skip(ctx, name, eventID, by, at)
}

// memReadModel keeps its rows as events of one aggregate in a memory event store, so its writes
// join the memory unit of work of the runner's batch and commit or roll back with it. Clear
// appends a marker: Rows returns what follows the last one.
type memReadModel struct {
	store *memory.EventStore
	p     *pool
}

type rowEvent struct {
	Clear bool                 `json:"clear,omitempty"`
	Row   testkit.ReadModelRow `json:"row"`
}

func (rowEvent) EventType() string { return "Row" }

func (m *memReadModel) write(ctx context.Context, ev rowEvent) error {
	if err := m.p.check(); err != nil {
		return err
	}
	v, err := m.store.LatestVersion(ctx, "rm")
	if err != nil {
		return err
	}
	env, err := es.NewEnvelope(ev)
	if err != nil {
		return err
	}
	return m.store.Append(ctx, "rm", "ReadModel", v, []es.Envelope{env})
}

func (m *memReadModel) Record(ctx context.Context, e es.Envelope, writer string) error {
	return m.write(ctx, rowEvent{Row: testkit.ReadModelRow{
		Position: e.GlobalPosition, EventID: e.EventID, AggregateID: e.AggregateID, Sequence: e.Sequence, Writer: writer,
	}})
}

func (m *memReadModel) Clear(ctx context.Context) error { return m.write(ctx, rowEvent{Clear: true}) }

func (m *memReadModel) Rows(ctx context.Context) ([]testkit.ReadModelRow, error) {
	envs, err := m.store.Load(ctx, "rm", 0)
	if err != nil {
		return nil, err
	}
	var out []testkit.ReadModelRow
	for _, env := range envs {
		var ev rowEvent
		if err := json.Unmarshal(env.Payload, &ev); err != nil {
			return nil, err
		}
		if ev.Clear {
			out = nil
			continue
		}
		out = append(out, ev.Row)
	}
	return out, nil
}
