package autoconfig_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/testkit"
)

// Readers race Start and Close: each sees ErrNotStarted until the store binds, successes while
// the database is open, and ErrStopped once it is closed (a call already inside the database
// when it closes may see the driver's "closed" error), in that order and never anything else.
// Concurrent Starts open each database once.
func TestStartAndCloseRaceReaders(t *testing.T) {
	s := bunSettings(t, testkit.SQLiteFileURL(t))
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	store, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	ctx := context.Background()

	const readers = 8
	phases := make([][]string, readers)
	var wg sync.WaitGroup
	started := make(chan struct{})
	var seenOpen sync.Once
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := ""
			for {
				_, err := store.LatestVersion(ctx, "acc-1")
				phase := "open"
				switch {
				case errors.Is(err, autoconfig.ErrNotStarted):
					phase = "not started"
				case errors.Is(err, autoconfig.ErrStopped):
					phase = "stopped"
				case err != nil && strings.Contains(err.Error(), "closed"):
					phase = "closing"
				case err != nil:
					phase = "unexpected: " + err.Error()
				}
				if phase != last {
					phases[i] = append(phases[i], phase)
					last = phase
				}
				if phase == "stopped" || strings.HasPrefix(phase, "unexpected") {
					return
				}
				if phase == "open" {
					seenOpen.Do(func() { close(started) })
				}
			}
		}()
	}
	var starts sync.WaitGroup
	startErrs := make([]error, 4)
	for i := range startErrs {
		starts.Add(1)
		go func() {
			defer starts.Done()
			startErrs[i] = dbs.Start(ctx)
		}()
	}
	starts.Wait()
	require.NoError(t, errors.Join(startErrs...))
	db := dbs.EventStoreDB()
	<-started
	require.NoError(t, dbs.Close())
	wg.Wait()
	require.Same(t, db, dbs.EventStoreDB(), "one *bun.DB for all Starts")

	order := map[string]int{"not started": 0, "open": 1, "closing": 2, "stopped": 3}
	for i, p := range phases {
		require.Equal(t, "stopped", p[len(p)-1], "reader %d: %v", i, p)
		for j := 1; j < len(p); j++ {
			require.Contains(t, order, p[j], "reader %d: %v", i, p)
			require.Less(t, order[p[j-1]], order[p[j]], "reader %d: %v", i, p)
		}
	}
}
