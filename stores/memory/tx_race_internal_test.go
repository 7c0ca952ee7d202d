package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/testkit"
)

// Before the fix a unit checked that it was open under its own lock and buffered the write later
// under another: a write racing the commit returned nil and was lost (357 of 2000 snapshot saves
// in one run), and -race reported the commit reading the buffer while the write appended to it.
func TestWritesRacingTheCommitAreAppliedOrRefused(t *testing.T) {
	ctx := context.Background()
	for round := range 20 {
		events, snaps, boxes := NewEventStore(), NewSnapshotStore(), NewOutboxStore()
		letters, points := NewDeadLetterStore(), NewCheckpointStore()
		// Each writer writes key i until the unit refuses, and returns how many writes it acked.
		writers := map[string]func(ctx context.Context, i int) error{
			"events": func(ctx context.Context, i int) error {
				return events.Append(ctx, fmt.Sprint("e-", i), "T", 0, testkit.Envelopes(t, "E", i, 1))
			},
			"snapshots": func(ctx context.Context, i int) error {
				if err := snaps.Save(ctx, es.Snapshot{AggregateID: fmt.Sprint("s-", i), AggregateType: "T", Sequence: 1, Payload: []byte(`{}`)}); err != nil {
					return err
				}
				_, _, err := snaps.Load(ctx, fmt.Sprint("s-", i)) // reads race the commit too
				return err
			},
			"outbox": func(ctx context.Context, i int) error {
				e := testkit.Envelopes(t, "E", i, 1)
				e[0].AggregateID, e[0].AggregateType, e[0].Sequence = fmt.Sprint("a-", i), "T", 1
				return boxes.Enqueue(ctx, "o", e, time.Now())
			},
			"dead letters": func(ctx context.Context, i int) error {
				e := testkit.Envelopes(t, "E", i, 1)[0]
				e.AggregateID, e.AggregateType, e.Sequence, e.GlobalPosition = "a", "T", 1, int64(i+1)
				if err := letters.Park(ctx, projection.DeadLetter{Projection: "p", Event: e, Attempts: 1, Error: "x", FailedAt: time.Now()}); err != nil {
					return err
				}
				_, err := letters.Count(ctx, "p")
				return err
			},
			"checkpoints": func(ctx context.Context, i int) error {
				return points.Reset(ctx, fmt.Sprint("c-", i), 5)
			},
		}
		acked := map[string]int{}
		var (
			mu   sync.Mutex
			wg   sync.WaitGroup
			errs []error
		)
		require.NoError(t, InTx(ctx, func(ctx context.Context) error {
			started := make(chan struct{}, len(writers))
			for name, write := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := 0
					for ; ; n++ {
						if err := write(ctx, n); err != nil {
							mu.Lock()
							errs = append(errs, fmt.Errorf("%s write %d: %w", name, n, err))
							mu.Unlock()
							if n == 0 {
								started <- struct{}{}
							}
							break
						}
						if n == 0 {
							started <- struct{}{}
						}
					}
					err := write(ctx, n+1)
					mu.Lock()
					defer mu.Unlock()
					acked[name] = n
					errs = append(errs, fmt.Errorf("%s write after the first refusal: %w", name, err))
				}()
			}
			for range writers {
				<-started
			}
			return nil // the writers outlive the unit's function
		}))
		wg.Wait()
		for _, err := range errs {
			require.True(t, errors.Is(err, errUnitClosed), "round %d: %v", round, err)
		}
		all, err := events.ReadAll(ctx, 0, 1<<30)
		require.NoError(t, err)
		assert.Len(t, all, acked["events"], "round %d: every acked append is applied", round)
		for i := range acked["snapshots"] {
			_, ok, err := snaps.Load(ctx, fmt.Sprint("s-", i))
			require.NoError(t, err)
			require.True(t, ok, "round %d: acked snapshot %d of %d is applied", round, i, acked["snapshots"])
		}
		pending, err := boxes.Pending(ctx, "o", 1<<30)
		require.NoError(t, err)
		assert.Len(t, pending, acked["outbox"], "round %d: every acked outbox record is applied", round)
		n, err := letters.Count(ctx, "p")
		require.NoError(t, err)
		assert.Equal(t, int64(acked["dead letters"]), n, "round %d: every acked dead letter is applied", round)
		for i := range acked["checkpoints"] {
			_, ok, err := points.Position(ctx, fmt.Sprint("c-", i))
			require.NoError(t, err)
			require.True(t, ok, "round %d: acked checkpoint %d of %d is applied", round, i, acked["checkpoints"])
		}
	}
}
