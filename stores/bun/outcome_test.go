package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Appends whose context ends at random moments: each error either says the outcome is unknown
// (es.ErrOutcomeUnknown; retrying the same events then settles it) or means nothing was written.
// Before the mapping, a cancelled append returned the bare context error although it had
// committed in about 2 cases out of 3, and a retry then conflicted.
func TestCancelledAppendsSayWhetherTheyCommitted(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			cancelledAppends(t, newEventStore(t, openDB(t, b.url(t))))
		})
	}
}

func cancelledAppends(t *testing.T, s *bunstore.EventStore) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 9))
	const n = 200
	var (
		mu       sync.Mutex
		definite = map[string]error{}
		counts   = map[string]int{}
	)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		id := fmt.Sprintf("agg-%d", i)
		delay := time.Duration(r.IntN(6000)) * time.Microsecond
		batch := envs(t, 1+r.IntN(5))
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			actx, cancel := context.WithCancel(ctx)
			time.AfterFunc(delay, cancel)
			retry := make([]es.Envelope, len(batch))
			for j := range batch {
				retry[j] = batch[j].Clone()
			}
			err := s.Append(actx, id, "T", 0, batch)
			cancel()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				counts["committed"]++
			case errors.Is(err, es.ErrOutcomeUnknown):
				counts["unknown"]++
				assert.ErrorIs(t, err, context.Canceled, "the context's error is still there")
				assert.Contains(t, err.Error(), id)
				assert.NoError(t, s.Append(ctx, id, "T", 0, retry), "retrying an unknown outcome settles it")
			default:
				counts["refused"]++
				definite[id] = err
			}
		}()
	}
	wg.Wait()
	t.Logf("%d appends: %v", n, counts)
	time.Sleep(300 * time.Millisecond) // anything still in flight lands
	for id, err := range definite {
		v, verr := s.LatestVersion(ctx, id)
		require.NoError(t, verr)
		assert.Zero(t, v, "%s: refused with %v, yet committed", id, err)
	}
	if s.Dialect() == bunstore.DialectPostgres {
		var open int
		require.NoError(t, s.DB().DB.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state LIKE 'idle in transaction%'`).Scan(&open))
		assert.Zero(t, open, "sessions left idle in a transaction, holding every reader's horizon back")
	}
	all, err := s.ReadAll(ctx, 0, 10_000)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range all {
		require.False(t, seen[e.EventID], "event %s stored twice", e.EventID)
		seen[e.EventID] = true
	}
}

// PostgreSQL's own time limits come back as timeouts that name the aggregate and match
// context.DeadlineExceeded. Before the mapping, lock_timeout (55P03) and statement_timeout (57014)
// were raw driver errors.
func TestPostgresTimeouts(t *testing.T) {
	ctx := context.Background()
	url := backends()[0].url(t)
	holder := newEventStore(t, openDB(t, url))
	locked := newEventStore(t, openDB(t, withParam(t, url, "lock_timeout", "150ms")))
	limited := newEventStore(t, openDB(t, withParam(t, url, "statement_timeout", "150ms")))

	require.NoError(t, holder.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, holder.Append(ctx, "busy", "Order", 0, envs(t, 1)))
		// An append of the same aggregate waits on the open transaction's row, then times out.
		err := locked.Append(context.Background(), "busy", "Order", 0, envs(t, 1))
		require.ErrorIs(t, err, bunstore.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		var te *bunstore.TimeoutError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "busy", te.AggregateID)
		assert.Equal(t, "lock_timeout", te.Limit)
		assert.Contains(t, err.Error(), `"busy"`)

		tx, ok := bunstore.TxFrom(ctx)
		require.True(t, ok)
		_, err = tx.ExecContext(ctx, "LOCK TABLE pyfly_event_store IN ACCESS EXCLUSIVE MODE")
		require.NoError(t, err)
		_, err = limited.Load(context.Background(), "other", 0)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "other", te.AggregateID)
		assert.Equal(t, "statement_timeout", te.Limit)
		_, err = limited.LatestVersion(context.Background(), "third")
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "third", te.AggregateID)
		return nil
	}))
}
