//go:build unix

package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// The child process of TestWritersKilledMidWrite appends, with outbox records, to the database
// envWriterURL names until it is killed, noting each committed append in the file envWriterAcks
// names.
const (
	envWriterChild = "ES_WRITER_CHILD"
	envWriterURL   = "ES_WRITER_URL"
	envWriterAcks  = "ES_WRITER_ACKS"
)

const (
	killedWriters  = 4  // goroutines appending in the child
	killedMaxBatch = 10 // most events one append of the child holds
	killedOutbox   = "killed"
)

// killedAppend is the n-th append of writer w in the child: its aggregate (five appends each)
// and how many events it holds (1 to killedMaxBatch).
func killedAppend(w, n int) (aggregateID string, events int) {
	return fmt.Sprintf("w%d-%d", w, n/5), 1 + (n*7+w)%killedMaxBatch
}

// TestWriterChild is the child process of TestWritersKilledMidWrite: killedWriters goroutines
// each append, in one transaction with their outbox records, until the process is killed; each
// committed append is a line "aggregate version" in the acknowledgement file, written after the
// commit.
func TestWriterChild(t *testing.T) {
	if os.Getenv(envWriterChild) != "1" {
		t.Skip("runs as the child of TestWritersKilledMidWrite")
	}
	ctx := context.Background()
	db := openDB(t, os.Getenv(envWriterURL))
	events, records := newEventStore(t, db), newOutboxStore(t, db)
	acks, err := os.OpenFile(os.Getenv(envWriterAcks), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range killedWriters {
		wg.Go(func() {
			version := int64(0)
			for n := 0; ; n++ {
				id, k := killedAppend(w, n)
				if n%5 == 0 {
					version = 0
				}
				envs := testkit.Envelopes(t, "Placed", int(version)+1, k)
				err := bunstore.InTx(ctx, db, func(ctx context.Context) error {
					if err := events.Append(ctx, id, "Order", version, envs); err != nil {
						return err
					}
					return records.Enqueue(ctx, killedOutbox, envs, time.Now())
				})
				if err != nil {
					t.Errorf("writer %d: append %d: %v", w, n, err)
					return
				}
				version += int64(k)
				// One write a line: appends of a file opened O_APPEND do not interleave.
				if _, err := fmt.Fprintf(acks, "%s %d\n", id, version); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// readAcks returns the highest acknowledged version of each aggregate in the file, and how many
// events the acknowledged appends hold. Each line is one write of the child's, but a read while
// the child writes may see the end of one only in part: text after the last newline is left out.
func readAcks(t *testing.T, path string) (map[string]int64, int64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]int64{}, 0
	}
	require.NoError(t, err)
	acked := map[string]int64{}
	lines := strings.Split(string(raw), "\n")
	for _, line := range lines[:len(lines)-1] { // the last is after the last newline
		id, v, ok := strings.Cut(line, " ")
		require.True(t, ok, "acknowledgement %q", line)
		version, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err, "acknowledgement %q", line)
		acked[id] = max(acked[id], version)
	}
	var total int64
	for _, v := range acked {
		total += v
	}
	return acked, total
}

// TestWritersKilledMidWrite: a process appending from four goroutines, each append in one
// transaction with its outbox records, is killed with SIGKILL in the middle of its writes. Opened
// again from a new pool, the database holds every append the child acknowledged, and at most the
// one append each writer may have committed before its acknowledgement; every event of the
// global stream reads (positions increasing, each aggregate's sequences 1..n without a gap); the
// outbox holds a record for exactly the stored events (events and records committed together or
// not at all); and writing goes on where the child stopped.
func TestWritersKilledMidWrite(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			url := b.url(t)
			openDB(t, url) // migrated before the child starts
			acksPath := filepath.Join(t.TempDir(), "acks")

			cmd := startChildTest(t, "TestWriterChild", envWriterChild+"=1", envWriterURL+"="+url, envWriterAcks+"="+acksPath)
			testkit.WaitFor(t, 60*time.Second, func() bool {
				_, n := readAcks(t, acksPath)
				return n >= 3000
			}, "the child to acknowledge 3000 events")
			require.NoError(t, cmd.Process.Kill()) // SIGKILL, in the middle of appends
			_ = cmd.Wait()
			acked, ackedEvents := readAcks(t, acksPath)

			db := openDB(t, url)
			events := newEventStore(t, db)
			// On PostgreSQL the stream shows what committed after a transaction of the killed
			// process only once the server has rolled that transaction back, when it notices
			// the client is gone: read until every acknowledged append shows, for a while.
			var all []es.Envelope
			testkit.WaitFor(t, 30*time.Second, func() bool {
				all = readPaged(t, events, 1000)
				seen := map[string]int64{}
				for _, e := range all {
					seen[e.AggregateID] = max(seen[e.AggregateID], e.Sequence)
				}
				for id, v := range acked {
					if seen[id] < v {
						return false
					}
				}
				return true
			}, "every acknowledged append in the global stream")
			stored := map[string]int64{}
			ids := make(map[string]bool, len(all))
			for i, e := range all {
				if i > 0 {
					require.Greater(t, e.GlobalPosition, all[i-1].GlobalPosition, "positions increase along the stream")
				}
				require.Equal(t, stored[e.AggregateID]+1, e.Sequence, "%s: sequences without a gap", e.AggregateID)
				stored[e.AggregateID] = e.Sequence
				ids[e.EventID] = true
			}
			for id, v := range acked {
				assert.GreaterOrEqual(t, stored[id], v, "%s: every acknowledged append is stored", id)
			}
			extra := int64(len(all)) - ackedEvents
			assert.GreaterOrEqual(t, extra, int64(0))
			assert.LessOrEqual(t, extra, int64(killedWriters*killedMaxBatch),
				"beyond the acknowledged appends, at most the one each writer had committed when it was killed")

			records, err := newOutboxStore(t, db).Pending(ctx, killedOutbox, len(all)+100)
			require.NoError(t, err)
			recorded := make(map[string]bool, len(records))
			for _, r := range records {
				recorded[r.ID] = true
			}
			assert.Equal(t, ids, recorded, "an outbox record for exactly each stored event")

			for id, v := range stored {
				require.NoError(t, events.Append(ctx, id, "Order", v, testkit.Envelopes(t, "Placed", int(v)+1, 1)),
					"%s: appending after the stored version", id)
				err := events.Append(ctx, id, "Order", v, testkit.Envelopes(t, "Placed", int(v)+1, 1))
				require.ErrorIs(t, err, es.ErrConcurrency, "%s: the old version is taken", id)
				break
			}
			t.Logf("%d events stored in %d aggregates, %d acknowledged; %d committed but not acknowledged",
				len(all), len(stored), ackedEvents, extra)
		})
	}
}
