package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// attempt is one append a writer made and what it returned.
type attempt struct {
	ids []string
	err error
}

// TestCrashDuringWrites kills PostgreSQL (SIGKILL, no shutdown) while 8 writers append and a
// reader pages the stream, then restarts it. Afterwards every append that returned nil is stored
// once, every one that failed is stored whole or not at all, and the reader saw every event
// exactly once, in position order, with each aggregate in sequence order.
func TestCrashDuringWrites(t *testing.T) {
	srv := pgtest.NewServer(t)
	ctx := context.Background()
	db, err := bunstore.Open(ctx, srv.URL())
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, bunstore.Prepare(ctx, db, true))
	s := newEventStore(t, db)

	var (
		stop     atomic.Bool
		mu       sync.Mutex
		attempts []attempt
		wg       sync.WaitGroup
	)
	const writers = 8
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("writer-%d", w)
			var version int64
			for !stop.Load() {
				size := 1 + int(version%3)
				if w%4 == 0 {
					size += 256 // batches that go through COPY
				}
				batch := envs(t, size)
				ids := make([]string, len(batch))
				for i := range batch {
					ids[i] = batch[i].EventID
				}
				actx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err := s.Append(actx, id, "T", version, batch)
				cancel()
				mu.Lock()
				attempts = append(attempts, attempt{ids: ids, err: err})
				mu.Unlock()
				if err == nil {
					version += int64(len(batch))
					continue
				}
				// After a failure, learn the version from the store once it answers again.
				for !stop.Load() {
					v, verr := s.LatestVersion(ctx, id)
					if verr == nil {
						version = v
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	var seen []es.Envelope
	// The reader stops at its first empty page once drained is set: after the writers stopped
	// and it caught up with the last position. (Stopping at an empty page as soon as the writers
	// are told to stop would miss the appends still in flight then.)
	var drained atomic.Bool
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		var after int64
		for {
			page, err := s.ReadAll(ctx, after, 200)
			switch {
			case err != nil:
				time.Sleep(50 * time.Millisecond) // the server is down: keep the cursor, try again
			case len(page) > 0:
				mu.Lock()
				seen = append(seen, page...)
				mu.Unlock()
				after = page[len(page)-1].GlobalPosition
			case drained.Load():
				return
			default:
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()

	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, srv.Kill())
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, srv.Restart())
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	// Let the reader drain what was committed, then stop it.
	testkit.WaitFor(t, 20*time.Second, func() bool {
		last, err := s.LastPosition(ctx)
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		var top int64
		if n := len(seen); n > 0 {
			top = seen[n-1].GlobalPosition
		}
		return top == last
	}, "the reader to read up to the last committed position")
	drained.Store(true)
	<-readerDone

	all, err := s.ReadAll(ctx, 0, 1_000_000)
	require.NoError(t, err)
	stored := map[string]int{}
	for _, e := range all {
		stored[e.EventID]++
	}
	var ok, failedWhole, failedAbsent int
	for _, a := range attempts {
		present := 0
		for _, id := range a.ids {
			require.LessOrEqual(t, stored[id], 1, "event %s stored twice", id)
			present += stored[id]
		}
		switch {
		case a.err == nil:
			require.Equal(t, len(a.ids), present, "an append that returned nil is stored whole")
			ok++
		case present == len(a.ids):
			failedWhole++
		case present == 0:
			failedAbsent++
		default:
			t.Fatalf("an append that failed (%v) is stored in part: %d of %d events", a.err, present, len(a.ids))
		}
	}
	t.Logf("%d appends: %d returned nil, %d failed but committed (unknown outcome: %d), %d failed and absent; %d events, reader saw %d",
		len(attempts), ok, failedWhole, countUnknown(attempts), failedAbsent, len(all), len(seen))
	require.Positive(t, failedWhole+failedAbsent, "the crash interrupted some appends")

	require.Equal(t, len(all), len(seen), "the reader saw every event once")
	next := map[string]int64{}
	for i, e := range seen {
		assert.Equal(t, all[i].EventID, e.EventID, "position %d", i)
		assert.Equal(t, next[e.AggregateID]+1, e.Sequence, "each aggregate in sequence order")
		next[e.AggregateID] = e.Sequence
	}
}

func countUnknown(as []attempt) int {
	n := 0
	for _, a := range as {
		if errors.Is(a.err, es.ErrOutcomeUnknown) {
			n++
		}
	}
	return n
}
