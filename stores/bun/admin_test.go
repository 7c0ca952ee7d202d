package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// projectionStores returns the checkpoint store, the lease and the dead-letter store on db.
func projectionStores(t testing.TB, db *bun.DB) (*bunstore.CheckpointStore, *bunstore.Lease, *bunstore.DeadLetterStore) {
	t.Helper()
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(db)
	require.NoError(t, err)
	letters, err := bunstore.NewDeadLetterStore(db)
	require.NoError(t, err)
	return cps, lease, letters
}

func newAdmin(t testing.TB, db *bun.DB, opts ...bunstore.AdminOption) *bunstore.Admin {
	t.Helper()
	a, err := bunstore.NewAdmin(db, opts...)
	require.NoError(t, err)
	return a
}

// TestAdminAggregatesEventsAndTail: aggregates by id with their type, version and last event
// time; events as stored; the global stream after a position.
func TestAdminAggregatesEventsAndTail(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			require.NoError(t, s.Append(ctx, "order-2", "Order", 0, envs(t, 3)))
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 1)))
			last := envs(t, 2)
			require.NoError(t, s.Append(ctx, "cust-1", "Customer", 0, last))
			a := newAdmin(t, db)

			aggs, err := a.Aggregates(ctx, inspect.AggregateQuery{Limit: 10})
			require.NoError(t, err)
			require.Len(t, aggs, 3)
			assert.Equal(t, []string{"cust-1", "order-1", "order-2"}, []string{aggs[0].ID, aggs[1].ID, aggs[2].ID})
			assert.Equal(t, "Customer", aggs[0].Type)
			assert.Equal(t, int64(2), aggs[0].Version)
			assert.True(t, last[1].OccurredAt.Equal(aggs[0].LastOccurredAt), "the last event's time")
			assert.Equal(t, int64(3), aggs[2].Version)
			aggs, err = a.Aggregates(ctx, inspect.AggregateQuery{Type: "Order", Limit: 1})
			require.NoError(t, err)
			require.Len(t, aggs, 1)
			assert.Equal(t, "order-1", aggs[0].ID)
			aggs, err = a.Aggregates(ctx, inspect.AggregateQuery{Type: "x'; DROP TABLE pyfly_event_store; --", Limit: 10})
			require.NoError(t, err)
			assert.Empty(t, aggs, "SQL in a type is a type")
			for _, q := range []inspect.AggregateQuery{{Limit: 0}, {Limit: bunstore.MaxAdminLimit + 1}, {Type: "a\x00", Limit: 1}, {Type: "\xff", Limit: 1},
				{Type: strings.Repeat("t", es.MaxTypeBytes+1), Limit: 1}} {
				_, err := a.Aggregates(ctx, q)
				assert.ErrorIs(t, err, es.ErrInvalidArgument, "%+v", q)
			}

			events, err := a.Events(ctx, "order-2", 1)
			require.NoError(t, err)
			require.Len(t, events, 2)
			assert.Equal(t, int64(2), events[0].Sequence)
			assert.NotZero(t, events[0].GlobalPosition)
			_, err = a.Events(ctx, strings.Repeat("x", 1<<20), 0)
			assert.ErrorIs(t, err, es.ErrInvalidArgument)
			assert.Less(t, len(err.Error()), 200, "a huge id is not echoed")

			all, err := a.Tail(ctx, 0, 100)
			require.NoError(t, err)
			require.Len(t, all, 6)
			rest, err := a.Tail(ctx, all[3].GlobalPosition, 100)
			require.NoError(t, err)
			assert.Len(t, rest, 2)
			_, err = a.Tail(ctx, -1, 10)
			assert.ErrorIs(t, err, es.ErrInvalidArgument)
		})
	}
}

// TestAdminProjections: each projection's position, lag, lease and dead letters, and its state
// from the lease: active while a runner holds it, stopped once released, standing by after its
// holder stopped renewing it, failing when it holds the lease and stands still.
func TestAdminProjections(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 5)))
			stream, err := s.ReadAll(ctx, 0, 10)
			require.NoError(t, err)
			cps, lease, letters := projectionStores(t, db)
			a := newAdmin(t, db, bunstore.WithStallThreshold(time.Hour))

			got, err := a.Projections(ctx)
			require.NoError(t, err)
			assert.Empty(t, got)

			runner, err := projection.NewRunner(projection.FunctionProjection("orders_view", func(context.Context, es.Envelope) error { return nil }),
				s, projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithOwner("host-1:42"),
				projection.WithPollInterval(20*time.Millisecond))
			require.NoError(t, err)
			require.NoError(t, runner.Start(ctx))
			testkit.WaitFor(t, 20*time.Second, func() bool {
				p, err := a.Projection(ctx, "orders_view")
				return err == nil && p.Position == stream[4].GlobalPosition
			}, "the runner to catch up")
			p, err := a.Projection(ctx, "orders_view")
			require.NoError(t, err)
			assert.Equal(t, inspect.StateActive, p.State)
			assert.Equal(t, "host-1:42", p.LeaseHolder)
			assert.True(t, p.LeaseExpiresAt.After(time.Now().Add(-time.Minute)))
			assert.Zero(t, p.Lag)
			assert.False(t, p.UpdatedAt.IsZero())
			require.NoError(t, runner.Stop(ctx))

			require.NoError(t, s.Append(ctx, "order-1", "Order", 5, envs(t, 2)))
			require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "orders_view", Event: stream[1], Attempts: 3, Error: "boom", FailedAt: time.Now()}))
			p, err = a.Projection(ctx, "orders_view")
			require.NoError(t, err)
			assert.Equal(t, inspect.StateStopped, p.State, "the lease was released")
			assert.Empty(t, p.LeaseHolder)
			assert.Equal(t, int64(2), p.Lag)
			assert.False(t, p.OldestWaitingAt.IsZero())
			assert.Equal(t, int64(1), p.DeadLetters)

			// A holder that stops renewing: standing by until the stall threshold, then stopped.
			_, ok, err := lease.TryAcquire(ctx, "pyfly.projection.orders_view", "host-2:7", 10*time.Millisecond)
			require.NoError(t, err)
			require.True(t, ok)
			time.Sleep(80 * time.Millisecond)
			p, err = a.Projection(ctx, "orders_view")
			require.NoError(t, err)
			assert.Equal(t, inspect.StateStandingBy, p.State)
			assert.Equal(t, "host-2:7", p.LeaseHolder)
			short := newAdmin(t, db, bunstore.WithStallThreshold(40*time.Millisecond))
			p, err = short.Projection(ctx, "orders_view")
			require.NoError(t, err)
			assert.Equal(t, inspect.StateStopped, p.State, "nobody took the lease over within the stall threshold: %+v", p)

			// A holder whose checkpoint stands still while events wait: failing.
			_, ok, err = lease.TryAcquire(ctx, "pyfly.projection.orders_view", "host-3:9", time.Minute)
			require.NoError(t, err)
			require.True(t, ok)
			p, err = a.Projection(ctx, "orders_view")
			require.NoError(t, err)
			assert.Equal(t, inspect.StateActive, p.State, "within the stall threshold")
			p, err = short.Projection(ctx, "orders_view")
			require.NoError(t, err)
			assert.Equal(t, inspect.StateFailing, p.State)
			assert.Equal(t, "host-3:9", p.LeaseHolder)

			_, err = a.Projection(ctx, "no_such_view")
			assert.ErrorIs(t, err, inspect.ErrNotFound)
			_, err = newAdmin(t, db).Projection(ctx, strings.Repeat("n", 1<<20))
			require.ErrorIs(t, err, inspect.ErrNotFound)
			assert.Less(t, len(err.Error()), 1000)

			require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "parked_only", Event: stream[0], Attempts: 1, Error: "x", FailedAt: time.Now()}))
			all, err := a.Projections(ctx)
			require.NoError(t, err)
			require.Len(t, all, 2, "a projection with dead letters alone is listed")
			assert.Equal(t, "parked_only", all[1].Name)
			assert.Zero(t, all[1].Position)
			assert.Equal(t, int64(7), all[1].Lag)
		})
	}
}

// TestAdminOutboxes: pending records, the oldest one's time and dead letters, per outbox.
func TestAdminOutboxes(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			ob := newOutboxStore(t, db)
			evs := envs(t, 3)
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, evs))
			first := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
			require.NoError(t, ob.Enqueue(ctx, "orders", evs[:2], first))
			require.NoError(t, ob.Enqueue(ctx, "orders", evs[2:], first.Add(time.Minute)))
			require.NoError(t, ob.Enqueue(ctx, "audit", evs[:1], first))
			killOne(t, ob, "audit")
			a := newAdmin(t, db)

			got, err := a.Outboxes(ctx)
			require.NoError(t, err)
			require.Len(t, got, 2)
			assert.Equal(t, "audit", got[0].Name)
			assert.Zero(t, got[0].Pending)
			assert.True(t, got[0].OldestPendingAt.IsZero())
			assert.Equal(t, int64(1), got[0].DeadLetters)
			assert.Equal(t, "orders", got[1].Name)
			assert.Equal(t, int64(3), got[1].Pending)
			assert.True(t, first.Equal(got[1].OldestPendingAt), "oldest %v, want %v", got[1].OldestPendingAt, first)
			assert.InDelta(t, time.Hour.Seconds(), got[1].OldestPendingAge().Seconds(), 60)

			one, err := a.Outbox(ctx, "nothing_here")
			require.NoError(t, err)
			assert.Zero(t, one.Pending)
			_, err = a.Outbox(ctx, "a\x00b")
			assert.ErrorIs(t, err, es.ErrInvalidArgument)
		})
	}
}

// killOne makes the first pending record of the outbox a dead letter.
func killOne(t *testing.T, ob *bunstore.OutboxStore, name string) outbox.Record {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	recs, err := ob.Claim(ctx, outbox.ClaimRequest{Outbox: name, Owner: "test", Limit: 1, Now: now, Until: now.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	ok, err := ob.MarkFailed(ctx, name, recs[0].Claim(), outbox.Failure{Error: "broker down", At: now, Dead: true})
	require.NoError(t, err)
	require.True(t, ok)
	return recs[0]
}

// TestAdminDeadLetters: the outboxes' and the projections' dead letters, listed and retried; an
// id several of them hold is ambiguous until the kind and name say which.
func TestAdminDeadLetters(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			ob := newOutboxStore(t, db)
			_, _, letters := projectionStores(t, db)
			evs := envs(t, 2)
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, evs))
			stream, err := s.ReadAll(ctx, 0, 10)
			require.NoError(t, err)
			require.NoError(t, ob.Enqueue(ctx, "orders", stream, time.Now()))
			dead := killOne(t, ob, "orders")
			require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "orders_view", Event: stream[1], Attempts: 5, Error: "handler failed", FailedAt: time.Now()}))
			require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "audit_view", Event: stream[1], Attempts: 1, Error: "x", FailedAt: time.Now()}))
			a := newAdmin(t, db)

			all, err := a.DeadLetters(ctx, inspect.DeadLetterQuery{Limit: 10})
			require.NoError(t, err)
			require.Len(t, all, 3)
			assert.Equal(t, inspect.KindOutbox, all[0].Kind)
			assert.Equal(t, dead.ID, all[0].Event.EventID)
			assert.Equal(t, "broker down", all[0].Error)
			assert.Equal(t, []string{"audit_view", "orders_view"}, []string{all[1].Name, all[2].Name})
			assert.Equal(t, 5, all[2].Attempts)
			assert.Equal(t, stream[1].GlobalPosition, all[2].Event.GlobalPosition)
			some, err := a.DeadLetters(ctx, inspect.DeadLetterQuery{Kind: inspect.KindProjection, Name: "orders_view", Limit: 10})
			require.NoError(t, err)
			require.Len(t, some, 1)
			some, err = a.DeadLetters(ctx, inspect.DeadLetterQuery{Limit: 1})
			require.NoError(t, err)
			assert.Len(t, some, 1, "the limit counts every kind")

			kind, name, err := a.RetryDeadLetter(ctx, "", "", dead.ID)
			require.NoError(t, err)
			assert.Equal(t, inspect.KindOutbox, kind)
			assert.Equal(t, "orders", name)
			pending, err := ob.Pending(ctx, "orders", 10)
			require.NoError(t, err)
			assert.Len(t, pending, 2, "the dead letter is pending again")
			_, _, err = a.RetryDeadLetter(ctx, "", "", dead.ID)
			assert.ErrorIs(t, err, inspect.ErrNotFound, "no longer a dead letter")

			_, _, err = a.RetryDeadLetter(ctx, "", "", stream[1].EventID)
			require.ErrorIs(t, err, inspect.ErrAmbiguous)
			assert.Contains(t, err.Error(), `projection "audit_view", projection "orders_view"`)
			kind, name, err = a.RetryDeadLetter(ctx, inspect.KindProjection, "orders_view", stream[1].EventID)
			require.NoError(t, err)
			assert.Equal(t, inspect.KindProjection, kind)
			assert.Equal(t, "orders_view", name)
			requests, err := letters.RetryRequests(ctx, "orders_view", 10)
			require.NoError(t, err)
			require.Len(t, requests, 1)
			listed, err := a.DeadLetters(ctx, inspect.DeadLetterQuery{Kind: inspect.KindProjection, Limit: 10})
			require.NoError(t, err)
			assert.Equal(t, []bool{false, true}, []bool{listed[0].RetryRequested, listed[1].RetryRequested})

			_, _, err = a.RetryDeadLetter(ctx, inspect.KindOutbox, "orders", stream[1].EventID)
			assert.ErrorIs(t, err, inspect.ErrNotFound)
			_, _, err = a.RetryDeadLetter(ctx, "", "", "no-such-id")
			assert.ErrorIs(t, err, inspect.ErrNotFound)
			for _, bad := range []struct {
				kind     inspect.Kind
				name, id string
			}{{"", "", ""}, {"", "", strings.Repeat("i", 65)}, {"", "", "a\x00"}, {"", "orders", "x"}, {"queue", "", "x"},
				{inspect.KindOutbox, strings.Repeat("o", 65), "x"}, {inspect.KindProjection, "\xff", "x"}} {
				_, _, err := a.RetryDeadLetter(ctx, bad.kind, bad.name, bad.id)
				assert.ErrorIs(t, err, es.ErrInvalidArgument, "%q %q %q", bad.kind, bad.name, bad.id)
			}
		})
	}
}

// TestAdminResetProjection: the checkpoint goes back, refused while a runner holds the lease
// unless forced; the running runner then applies the stream again from there.
func TestAdminResetProjection(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 6)))
			stream, err := s.ReadAll(ctx, 0, 10)
			require.NoError(t, err)
			cps, lease, _ := projectionStores(t, db)
			a := newAdmin(t, db)
			_, err = a.ResetProjection(ctx, "counts", 0, false)
			assert.ErrorIs(t, err, inspect.ErrNotFound, "no checkpoint yet")

			applied := make(chan int64, 100)
			runner, err := projection.NewRunner(projection.FunctionProjection("counts", func(_ context.Context, e es.Envelope) error {
				applied <- e.GlobalPosition
				return nil
			}), s, projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithPollInterval(time.Hour))
			require.NoError(t, err)
			require.NoError(t, runner.Start(ctx))
			t.Cleanup(func() { _ = runner.Stop(context.Background()) })
			for _, e := range stream {
				require.Equal(t, e.GlobalPosition, <-applied)
			}
			testkit.WaitFor(t, 10*time.Second, func() bool {
				p, _, err := cps.Position(ctx, "counts")
				return err == nil && p == stream[5].GlobalPosition
			}, "the checkpoint to reach the end")

			_, err = a.ResetProjection(ctx, "counts", 0, false)
			var held *inspect.LeaseHeldError
			require.ErrorAs(t, err, &held)
			assert.ErrorIs(t, err, inspect.ErrLeaseHeld)
			assert.Equal(t, "counts", held.Projection)
			assert.NotEmpty(t, held.Holder)
			_, err = a.ResetProjection(ctx, "counts", stream[5].GlobalPosition+1_000_000, true)
			assert.ErrorIs(t, err, es.ErrInvalidArgument, "a position not on the stream")
			_, err = a.ResetProjection(ctx, "counts", -1, true)
			assert.ErrorIs(t, err, es.ErrInvalidArgument)

			require.NoError(t, a.CheckSchema(ctx))
			_, err = a.ResetProjection(ctx, "counts", stream[5].GlobalPosition, true)
			require.NoError(t, err, "to where it is")
			from, err := a.ResetProjection(ctx, "counts", stream[2].GlobalPosition, true)
			require.NoError(t, err)
			assert.Equal(t, stream[5].GlobalPosition, from)
			require.NoError(t, cps.Reset(ctx, "behind", stream[1].GlobalPosition))
			_, err = a.ResetProjection(ctx, "behind", stream[3].GlobalPosition, true)
			assert.ErrorIs(t, err, es.ErrInvalidArgument, "never forward, past events it has not applied")
			// The runner waits for commits (poll interval of an hour): it notices the reset at
			// the next commit, or at once on PostgreSQL, and applies the events after it again.
			if s.Dialect() == bunstore.DialectSQLite {
				require.NoError(t, s.Append(ctx, "order-2", "Order", 0, envs(t, 1)))
				more, err := s.ReadAll(ctx, stream[5].GlobalPosition, 10)
				require.NoError(t, err)
				stream = append(stream, more...)
			}
			for _, e := range stream[3:] {
				select {
				case p := <-applied:
					require.Equal(t, e.GlobalPosition, p, "replayed in order from the new position")
				case <-time.After(20 * time.Second):
					t.Fatalf("the runner did not replay from the reset position")
				}
			}
		})
	}
}

// TestAdminResetOfAPartitionedProjection: a reset named by the projection moves every
// partition's checkpoint in one transaction and leaves other names alone; refused past any
// partition's checkpoint and while a runner holds any partition's lease. Before, a partitioned
// projection had no checkpoint under its own name: not found.
func TestAdminResetOfAPartitionedProjection(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			s := newEventStore(t, db)
			require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 6)))
			stream, err := s.ReadAll(ctx, 0, 10)
			require.NoError(t, err)
			cps, lease, _ := projectionStores(t, db)
			a := newAdmin(t, db)
			at := func(name string) int64 {
				t.Helper()
				p, ok, err := cps.Position(ctx, name)
				require.NoError(t, err)
				require.True(t, ok, name)
				return p
			}
			set := map[string]int64{
				"view#0/2": stream[5].GlobalPosition, "view#1/2": stream[4].GlobalPosition,
				"view#2/2x": stream[5].GlobalPosition, "viewer#0/2": stream[5].GlobalPosition, "view2": stream[5].GlobalPosition,
			}
			for name, p := range set {
				require.NoError(t, cps.Reset(ctx, name, p))
			}
			_, err = a.ResetProjection(ctx, "view", stream[5].GlobalPosition, false)
			require.ErrorIs(t, err, es.ErrInvalidArgument, "past partition 1's checkpoint")
			assert.Contains(t, err.Error(), `"view#1/2"`)
			assert.Equal(t, stream[5].GlobalPosition, at("view#0/2"), "nothing moved")

			token, ok, err := lease.TryAcquire(ctx, "pyfly.projection.view#1/2", "other-process", time.Minute)
			require.NoError(t, err)
			require.True(t, ok)
			_, err = a.ResetProjection(ctx, "view", stream[2].GlobalPosition, false)
			var held *inspect.LeaseHeldError
			require.ErrorAs(t, err, &held)
			assert.Equal(t, "view#1/2", held.Projection)
			assert.Equal(t, stream[5].GlobalPosition, at("view#0/2"), "nothing moved")
			require.NoError(t, lease.Release(ctx, "pyfly.projection.view#1/2", "other-process", token))

			from, err := a.ResetProjection(ctx, "view", stream[2].GlobalPosition, false)
			require.NoError(t, err)
			assert.Equal(t, stream[4].GlobalPosition, from, "the lowest partition's")
			assert.Equal(t, stream[2].GlobalPosition, at("view#0/2"))
			assert.Equal(t, stream[2].GlobalPosition, at("view#1/2"))
			for _, other := range []string{"view#2/2x", "viewer#0/2", "view2"} {
				assert.Equal(t, set[other], at(other), other)
			}
			from, err = a.ResetProjection(ctx, "view#1/2", 0, false)
			require.NoError(t, err, "one partition by its own name")
			assert.Equal(t, stream[2].GlobalPosition, from)
			assert.Equal(t, int64(0), at("view#1/2"))
			assert.Equal(t, stream[2].GlobalPosition, at("view#0/2"))

			// Hostile names: refused, or not found, never a partition of another projection.
			for _, bad := range []string{"", "v\x00", "\xff", strings.Repeat("n", projection.MaxNameBytes+1)} {
				_, err := a.ResetProjection(ctx, bad, 0, true)
				assert.ErrorIs(t, err, es.ErrInvalidArgument, "%q", bad)
			}
			for _, missing := range []string{"view#", "vie", "view#0", strings.Repeat("n", projection.MaxNameBytes), strings.Repeat("é", projection.MaxNameBytes/2-1) + "#"} {
				_, err := a.ResetProjection(ctx, missing, 0, true)
				assert.ErrorIs(t, err, inspect.ErrNotFound, "%q", missing)
			}
			assert.Equal(t, int64(0), at("view#1/2"), "nothing else moved")
			assert.Equal(t, stream[2].GlobalPosition, at("view#0/2"))
		})
	}
}

// TestAdminMigrationsAndSchema: a database without the tables has every migration pending and
// fails the schema check; migrating applies them.
func TestAdminMigrationsAndSchema(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := bunstore.Open(ctx, b.url(t))
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			a := newAdmin(t, db)
			require.NoError(t, a.Ping(ctx))
			pending, err := a.PendingMigrations(ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{"0001_event_store", "0002_snapshots", "0003_projections", "0004_outbox", "0005_event_store_rowid", "0006_dead_letter_retry", "0007_event_store_default_position", "0008_dead_letter_skips", "0009_projection_replicas", "0010_outbox_seq", "0011_outbox_fillfactor"}, pending)
			assert.ErrorIs(t, a.CheckSchema(ctx), bunstore.ErrSchema)
			require.NoError(t, a.Migrate(ctx))
			pending, err = a.PendingMigrations(ctx)
			require.NoError(t, err)
			assert.Empty(t, pending)
			require.NoError(t, a.CheckSchema(ctx))
		})
	}
}

// TestAdminHorizon: a writing transaction left open holds the horizon; the Admin names its
// session and counts the events waiting behind it. SQLite has no horizon.
func TestAdminHorizon(t *testing.T) {
	ctx := context.Background()
	sqlite := newAdmin(t, openDB(t, testkit.SQLiteFileURL(t)))
	_, err := sqlite.Horizon(ctx)
	assert.ErrorIs(t, err, errors.ErrUnsupported)

	url := backends()[0].url(t)
	db := openDB(t, url)
	s := newEventStore(t, db)
	require.NoError(t, s.Append(ctx, "before", "T", 0, envs(t, 1)))
	a := newAdmin(t, db)
	h, err := a.Horizon(ctx)
	require.NoError(t, err)
	assert.Equal(t, h.NewestPosition, h.NewestReadable)
	assert.Zero(t, h.Waiting)

	holder := openDB(t, withParam(t, url, "application_name", "stuck-job"))
	tx, err := holder.DB.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	var pid int
	_, err = tx.ExecContext(ctx, "SELECT pg_current_xact_id()")
	require.NoError(t, err)
	require.NoError(t, tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	require.NoError(t, s.Append(ctx, "after", "T", 0, envs(t, 2)))
	h, err = a.Horizon(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2), h.Waiting)
	assert.Greater(t, h.NewestPosition, h.NewestReadable)
	require.NotNil(t, h.Holder)
	assert.Equal(t, pid, h.Holder.PID)
	assert.Equal(t, "stuck-job", h.Holder.ApplicationName)
	assert.Equal(t, "idle in transaction", h.Holder.State)
	assert.False(t, h.Holder.TransactionStart.IsZero())
	require.NoError(t, tx.Rollback())
	h, err = a.Horizon(ctx)
	require.NoError(t, err)
	assert.Zero(t, h.Waiting)
	assert.Equal(t, h.NewestPosition, h.NewestReadable)
}

// TestAdminRenumber: positions written ahead of the server's transaction ids (as after a restore
// into another server) are renumbered 1..n in order, checkpoints, dead letters and outbox records
// with them, and the store prepares and appends after it.
func TestAdminRenumber(t *testing.T) {
	ctx := context.Background()
	sqlite := newAdmin(t, openDB(t, testkit.SQLiteFileURL(t)))
	_, err := sqlite.Renumber(ctx)
	assert.ErrorIs(t, err, errors.ErrUnsupported)

	db := openDB(t, backends()[0].url(t))
	s := newEventStore(t, db)
	require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 3)))
	require.NoError(t, s.Append(ctx, "order-2", "Order", 0, envs(t, 2)))
	a := newAdmin(t, db)
	r, err := a.Renumber(ctx)
	require.NoError(t, err)
	assert.False(t, r.Needed, "positions below the transaction ids stay")

	// Move every position far ahead, keeping the order, as a restore into a younger server leaves them.
	before, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	const ahead = int64(1) << 42
	_, err = db.DB.ExecContext(ctx, fmt.Sprintf("UPDATE pyfly_event_store SET global_position = global_position + %d", ahead))
	require.NoError(t, err)
	cps, _, letters := projectionStores(t, db)
	require.NoError(t, cps.Reset(ctx, "at_third", before[2].GlobalPosition+ahead))
	require.NoError(t, cps.Reset(ctx, "at_start", 0))
	require.NoError(t, cps.Reset(ctx, "between", before[3].GlobalPosition+ahead-1))
	parked := before[4]
	parked.GlobalPosition += ahead
	require.NoError(t, letters.Park(ctx, projection.DeadLetter{Projection: "at_third", Event: parked, Attempts: 1, Error: "x", FailedAt: time.Now()}))
	ob := newOutboxStore(t, db)
	require.NoError(t, ob.Enqueue(ctx, "orders", []es.Envelope{parked}, time.Now()))
	require.ErrorIs(t, bunstore.Prepare(ctx, db, false), bunstore.ErrPositionsAhead)

	r, err = a.Renumber(ctx)
	require.NoError(t, err)
	assert.Equal(t, bunstore.Renumbered{Needed: true, Events: 5, OldFirst: before[0].GlobalPosition + ahead, OldLast: before[4].GlobalPosition + ahead,
		Checkpoints: 2, DeadLetters: 1, OutboxRecords: 1}, r)
	require.NoError(t, bunstore.Prepare(ctx, db, false))
	after, err := s.ReadAll(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, after, 5)
	for i, e := range after {
		assert.Equal(t, int64(i+1), e.GlobalPosition)
		assert.Equal(t, before[i].EventID, e.EventID, "the order is kept")
	}
	for name, want := range map[string]int64{"at_third": 3, "at_start": 0, "between": 3} {
		p, _, err := cps.Position(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, want, p, name)
	}
	dl, err := letters.List(ctx, "at_third", 0, 10)
	require.NoError(t, err)
	require.Len(t, dl, 1)
	assert.Equal(t, int64(5), dl[0].Event.GlobalPosition)
	recs, err := ob.Pending(ctx, "orders", 10)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, int64(5), recs[0].Event.GlobalPosition)

	require.NoError(t, s.Append(ctx, "order-1", "Order", 3, envs(t, 1)))
	next, err := s.ReadAll(ctx, 5, 10)
	require.NoError(t, err)
	require.Len(t, next, 1, "a new event sorts after the renumbered ones")
	r, err = a.Renumber(ctx)
	require.NoError(t, err)
	assert.False(t, r.Needed, "once is enough")
}

// TestAdminRenumberRefusesAnOlderTransaction: a transaction holding an older id could append
// among the renumbered positions: renumbering waits for it to end.
func TestAdminRenumberRefusesAnOlderTransaction(t *testing.T) {
	ctx := context.Background()
	url := backends()[0].url(t)
	db := openDB(t, url)
	s := newEventStore(t, db)
	require.NoError(t, s.Append(ctx, "order-1", "Order", 0, envs(t, 1)))
	_, err := db.DB.ExecContext(ctx, "UPDATE pyfly_event_store SET global_position = global_position + (1::bigint << 42)")
	require.NoError(t, err)
	other, err := bunstore.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	tx, err := other.DB.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	_, err = tx.ExecContext(ctx, "SELECT pg_current_xact_id()")
	require.NoError(t, err)
	_, err = newAdmin(t, db).Renumber(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "older than this one")
	require.NoError(t, tx.Rollback())
	// Other tests share the server: one of their transactions, older than the renumbering's, may
	// be open for a moment and is refused the same way, so the renumbering is tried until none is.
	var r bunstore.Renumbered
	require.Eventually(t, func() bool {
		r, err = newAdmin(t, db).Renumber(ctx)
		return err == nil || !strings.Contains(err.Error(), "older than this one")
	}, time.Minute, 50*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, r.Needed)
}
