package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// The race of 16 writers at the same expected version is in the conformance suite
// (testkit.RunEventStoreSuite, RaceSameExpectedVersion), run on every backend by TestConformance.

// TestNoSkip: a transaction that appended stays open while other appends commit without waiting
// for it; a reader drains the stream; after the first transaction commits the reader, from its
// cursor, gets the late event.
func TestNoSkip(t *testing.T) {
	ctx := context.Background()
	s := newEventStore(t, openDB(t, pgtest.Start(t)))
	require.NoError(t, s.Append(ctx, "before", "T", 0, envs(t, 1)))

	appended := make(chan struct{})
	release := make(chan struct{})
	lateDone := make(chan error, 1)
	late := envs(t, 1)
	go func() {
		lateDone <- s.InTx(ctx, func(ctx context.Context) error {
			if err := s.Append(ctx, "late", "T", 0, late); err != nil {
				return err
			}
			close(appended)
			<-release
			return nil
		})
	}()
	select {
	case <-appended:
	case err := <-lateDone:
		t.Fatalf("late transaction failed: %v", err)
	}

	// Other writers commit while the late transaction is open, without waiting for it.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for i := range 5 {
		require.NoError(t, s.Append(wctx, fmt.Sprintf("other-%d", i), "T", 0, envs(t, 2)), "appends must not wait for an open transaction")
	}

	var cursor int64
	seen := map[string]int64{}
	drain := func() {
		for {
			page, err := s.ReadAll(ctx, cursor, 3)
			require.NoError(t, err)
			if len(page) == 0 {
				return
			}
			for _, e := range page {
				require.Greater(t, e.GlobalPosition, cursor)
				_, dup := seen[e.EventID]
				require.False(t, dup, "event %s delivered twice", e.EventID)
				seen[e.EventID] = e.GlobalPosition
				cursor = e.GlobalPosition
			}
		}
	}
	drain()
	_, sawLate := seen[late[0].EventID]
	require.False(t, sawLate, "an uncommitted event cannot be read")
	head, err := s.HeadPosition(ctx)
	require.NoError(t, err)
	visible, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Greater(t, head, visible, "the open transaction holds the read horizon back")

	close(release)
	require.NoError(t, <-lateDone)
	drain()
	assert.Contains(t, seen, late[0].EventID, "the reader gets the late event from its cursor")
	assert.Len(t, seen, 1+1+10)
	last, err := s.LastPosition(ctx)
	require.NoError(t, err)
	assert.Equal(t, cursor, last)
}

// TestReadersWriteNothing: reading the stream inside a transaction assigns it no transaction id,
// so readers never hold the read horizon back.
func TestReadersWriteNothing(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	s := newEventStore(t, db)
	require.NoError(t, s.Append(ctx, "a", "T", 0, envs(t, 3)))
	require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
		all, err := s.ReadAll(ctx, 0, 10)
		require.NoError(t, err)
		require.Len(t, all, 3)
		_, err = s.ReadAll(ctx, all[2].GlobalPosition, 10)
		require.NoError(t, err)
		_, err = s.Load(ctx, "a", 0)
		require.NoError(t, err)
		_, err = s.LastPosition(ctx)
		require.NoError(t, err)
		tx, _ := bunstore.TxFrom(ctx)
		var unassigned bool
		require.NoError(t, tx.QueryRowContext(ctx, "SELECT pg_current_xact_id_if_assigned() IS NULL").Scan(&unassigned))
		assert.True(t, unassigned, "a reader got a transaction id")
		return nil
	}))
}

// TestSequenceOrder: a transaction that wrote something first and then appends an aggregate's
// event #2 after another transaction committed #1 must not stream #2 before #1.
func TestSequenceOrder(t *testing.T) {
	sequenceOrder(t, newEventStore(t, openDB(t, pgtest.Start(t))))
}

func sequenceOrder(t *testing.T, s *bunstore.EventStore) {
	ctx := context.Background()
	wroteFirst := make(chan struct{})
	otherCommitted := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		result <- s.InTx(ctx, func(ctx context.Context) error {
			// Its first write gives this transaction the lower transaction id.
			if err := s.Append(ctx, "elsewhere", "T", 0, envs(t, 1)); err != nil {
				return err
			}
			close(wroteFirst)
			<-otherCommitted
			return s.Append(ctx, "agg", "T", 1, envs(t, 1))
		})
	}()
	<-wroteFirst
	require.NoError(t, s.Append(ctx, "agg", "T", 0, envs(t, 1)))
	close(otherCommitted)
	err := <-result
	t.Logf("second append in the older transaction: %v", err)
	if err != nil {
		require.ErrorIs(t, err, es.ErrConcurrency)
		assert.Contains(t, err.Error(), "new transaction")
		// A new transaction succeeds.
		require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
			return s.Append(ctx, "agg", "T", 1, envs(t, 1))
		}))
	}
	all, err := s.ReadAll(ctx, 0, 100)
	require.NoError(t, err)
	var order []int64
	for _, e := range all {
		if e.AggregateID == "agg" {
			order = append(order, e.Sequence)
		}
	}
	assert.Equal(t, []int64{1, 2}, order, "each aggregate streams in sequence order")
}

// TestSoak: 8 writers with random delays before commit and a concurrent reader: the reader sees
// every committed event exactly once, in increasing positions, each aggregate in sequence order.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			soak(t, newEventStore(t, openDB(t, b.url(t))), 3*time.Second)
		})
	}
}

func soak(t *testing.T, s *bunstore.EventStore, d time.Duration) {
	ctx := context.Background()
	const writers = 8
	shared := []string{"s0", "s1", "s2", "s3"}
	var (
		committed sync.Map // event id -> aggregate id
		nCommit   atomic.Int64
		stop      = make(chan struct{})
		wg        sync.WaitGroup
		werr      = make(chan error, writers)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			private := fmt.Sprintf("w%d", w)
			var privateVersion int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				agg := shared[rng.IntN(len(shared))]
				first, second := envs(t, 1), envs(t, 1)
				err := s.InTx(ctx, func(ctx context.Context) error {
					// A write before the shared append gives the transaction its id early,
					// which is what can put a later sequence at a lower position.
					if err := s.Append(ctx, private, "T", privateVersion, first); err != nil {
						return err
					}
					v, err := s.LatestVersion(ctx, agg)
					if err != nil {
						return err
					}
					if err := s.Append(ctx, agg, "T", v, second); err != nil {
						return err
					}
					time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
					return nil
				})
				switch {
				case err == nil:
					privateVersion++
					committed.Store(first[0].EventID, private)
					committed.Store(second[0].EventID, agg)
					nCommit.Add(2)
				case errors.Is(err, es.ErrConcurrency):
				default:
					werr <- err
					return
				}
			}
		}()
	}

	seen := map[string]bool{}
	nextSeq := map[string]int64{}
	var cursor int64
	read := func() int {
		page, err := s.ReadAll(ctx, cursor, 50)
		require.NoError(t, err)
		for _, e := range page {
			require.Greater(t, e.GlobalPosition, cursor, "positions strictly increase")
			require.False(t, seen[e.EventID], "event %s seen twice", e.EventID)
			seen[e.EventID] = true
			require.Equal(t, nextSeq[e.AggregateID]+1, e.Sequence, "aggregate %s out of sequence order", e.AggregateID)
			nextSeq[e.AggregateID] = e.Sequence
			cursor = e.GlobalPosition
		}
		return len(page)
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if read() == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
	close(werr)
	for err := range werr {
		require.NoError(t, err)
	}
	for read() > 0 {
	}
	var missing int
	committed.Range(func(k, _ any) bool {
		if !seen[k.(string)] {
			missing++
		}
		return true
	})
	assert.Zero(t, missing, "committed events the reader never saw")
	assert.Equal(t, int(nCommit.Load()), len(seen), "the reader saw exactly the committed events")
	assert.Positive(t, nCommit.Load())
	t.Logf("soak: %d events committed and read", nCommit.Load())
}

// TestDeadlockIsAConflict: two transactions appending to two aggregates in opposite order
// deadlock on the unique index; the one PostgreSQL aborts gets es.ErrConcurrency.
func TestDeadlockIsAConflict(t *testing.T) {
	ctx := context.Background()
	s := newEventStore(t, openDB(t, pgtest.Start(t)))
	var (
		firstDone sync.WaitGroup
		wg        sync.WaitGroup
		errs      [2]error
	)
	firstDone.Add(2)
	run := func(i int, first, second string) {
		defer wg.Done()
		errs[i] = s.InTx(ctx, func(ctx context.Context) error {
			err := s.Append(ctx, first, "T", 0, envs(t, 1))
			firstDone.Done()
			if err != nil {
				return err
			}
			firstDone.Wait()
			return s.Append(ctx, second, "T", 0, envs(t, 1))
		})
	}
	wg.Add(2)
	go run(0, "a", "b")
	go run(1, "b", "a")
	wg.Wait()
	failures := 0
	for _, err := range errs {
		if err != nil {
			failures++
			t.Logf("aborted: %v", err)
			require.ErrorIs(t, err, es.ErrConcurrency)
		}
	}
	assert.Equal(t, 1, failures, "PostgreSQL aborts one of the two")
}
