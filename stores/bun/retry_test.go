package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// A retry that races the append it repeats (still committing) is recognised once that commits:
// on PostgreSQL the retry waits on the event ids' index and gets a unique violation, on SQLite it
// waits for the write lock and finds its events stored.
func TestRetryRacingItsOriginal(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			url := b.url(t)
			s1 := newEventStore(t, openDB(t, url))
			s2 := newEventStore(t, openDB(t, url))
			batch := envs(t, 3)
			retry := make([]es.Envelope, len(batch))
			for i := range batch {
				retry[i] = batch[i].Clone()
			}
			inTx := make(chan struct{})
			release := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- s1.InTx(ctx, func(ctx context.Context) error {
					if err := s1.Append(ctx, "a", "T", 0, batch); err != nil {
						return err
					}
					close(inTx)
					<-release
					return nil
				})
			}()
			<-inTx
			retried := make(chan error, 1)
			go func() { retried <- s2.Append(ctx, "a", "T", 0, retry) }()
			time.Sleep(200 * time.Millisecond) // the retry is now waiting on the first transaction
			close(release)
			require.NoError(t, <-done)
			require.NoError(t, <-retried, "the retry finds its own events stored")
			require.Equal(t, int64(3), retry[2].Sequence)
			all, err := s1.ReadAll(ctx, 0, 10)
			require.NoError(t, err)
			require.Len(t, all, 3, "stored once")
		})
	}
}
