//go:build unix

package bunstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// The child process of TestOutboxStreamKilledProcess publishes the outbox stream of the database
// these name until it is killed.
const (
	envStreamChild = "ES_STREAM_CHILD"
	envStreamURL   = "ES_STREAM_URL"
)

// streamSinkDDL is the broker of the test: a table each publish adds a row to, with the run that
// published it and the run's count of publishes so far.
const streamSinkDDL = "CREATE TABLE stream_sink (run TEXT NOT NULL, seq BIGINT NOT NULL, position BIGINT NOT NULL, event_id TEXT NOT NULL)"

// sinkStream returns an outbox stream (outbox "killed") over db whose publishes add rows of run
// to stream_sink, each taking at least slow.
func sinkStream(t testing.TB, db *bun.DB, run string, slow time.Duration) *outbox.Stream {
	t.Helper()
	checkpoints, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	var seq atomic.Int64
	publish := func(ctx context.Context, e es.Envelope) error {
		time.Sleep(slow)
		_, err := db.ExecContext(ctx, "INSERT INTO stream_sink (run, seq, position, event_id) VALUES (?, ?, ?, ?)",
			run, seq.Add(1), e.GlobalPosition, e.EventID)
		return err
	}
	s, err := outbox.NewStream(newEventStore(t, db), publish, outbox.StreamConfig{
		Config: outbox.Config{Name: "killed", Logger: slog.New(slog.DiscardHandler), PollInterval: 20 * time.Millisecond,
			BatchSize: 50},
		Checkpoints:        checkpoints,
		CheckpointInterval: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	return s
}

// TestStreamChild is the child process of TestOutboxStreamKilledProcess: it publishes until it
// is killed.
func TestStreamChild(t *testing.T) {
	if os.Getenv(envStreamChild) != "1" {
		t.Skip("runs as the child of TestOutboxStreamKilledProcess")
	}
	db := openDB(t, os.Getenv(envStreamURL))
	require.NoError(t, sinkStream(t, db, "child", 300*time.Microsecond).Start(context.Background()))
	time.Sleep(time.Hour)
}

// sinkRow is a row of stream_sink.
type sinkRow struct {
	Run      string `bun:"run"`
	Seq      int64  `bun:"seq"`
	Position int64  `bun:"position"`
	EventID  string `bun:"event_id"`
}

// runRows returns run's rows of stream_sink in the order it published them.
func runRows(t *testing.T, db *bun.DB, run string) []sinkRow {
	t.Helper()
	var rows []sinkRow
	require.NoError(t, db.NewRaw("SELECT run, seq, position, event_id FROM stream_sink WHERE run = ? ORDER BY seq", run).
		Scan(context.Background(), &rows))
	return rows
}

// TestOutboxStreamKilledProcess: a process publishing an outbox stream is killed with SIGKILL in
// the middle of the stream; a stream started afterwards goes on from the position the killed one
// stored last. Every event is published, each run in the stream's order without a gap, and the
// events published twice are only those the killed process published after its last stored
// position.
func TestOutboxStreamKilledProcess(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			url := b.url(t)
			db := openDB(t, url)
			_, err := db.ExecContext(ctx, streamSinkDDL)
			require.NoError(t, err)
			events := newEventStore(t, db)
			for i := range 40 {
				require.NoError(t, events.Append(ctx, fmt.Sprintf("k-%d", i), "Order", 0, testkit.Envelopes(t, "Placed", 1, 50)))
			}

			cmd := startChildTest(t, "TestStreamChild", envStreamChild+"=1", envStreamURL+"="+url)
			testkit.WaitFor(t, 60*time.Second, func() bool { return len(runRows(t, db, "child")) >= 500 },
				"the child to publish 500 events")
			require.NoError(t, cmd.Process.Kill()) // SIGKILL: no Stop, no last flush
			_ = cmd.Wait()

			child := runRows(t, db, "child")
			require.Less(t, len(child), 2000, "the child was killed before the end of the stream")
			checkpoints, err := bunstore.NewCheckpointStore(db)
			require.NoError(t, err)
			stored, ok, err := checkpoints.Position(ctx, outbox.StreamName("killed"))
			require.NoError(t, err)
			require.True(t, ok, "the child stored its position while it published")
			require.Positive(t, stored)
			require.LessOrEqual(t, stored, child[len(child)-1].Position, "the stored position is one the child published")

			// More events after the crash, then a new stream takes over.
			for i := range 10 {
				require.NoError(t, events.Append(ctx, fmt.Sprintf("k-%d", i), "Order", 50, testkit.Envelopes(t, "Placed", 51, 30)))
			}
			last, err := events.LastPosition(ctx)
			require.NoError(t, err)
			s := sinkStream(t, db, "parent", 0)
			require.NoError(t, s.Start(ctx))
			testkit.WaitFor(t, 60*time.Second, func() bool {
				rows := runRows(t, db, "parent")
				return len(rows) > 0 && rows[len(rows)-1].Position == last
			}, "the new stream to publish the rest")
			require.NoError(t, s.Stop(ctx))

			all, err := events.ReadAll(ctx, 0, 10_000)
			require.NoError(t, err)
			require.Equal(t, last, all[len(all)-1].GlobalPosition)
			// Each run: the stream's events in order, without a gap, from where it started: the
			// child from the first event, the new stream from the first after the stored position.
			resumeAt := 0
			for resumeAt < len(all) && all[resumeAt].GlobalPosition <= stored {
				resumeAt++
			}
			parent := runRows(t, db, "parent")
			for run, rows := range map[string][]sinkRow{"child": child, "parent": parent} {
				from := map[string]int{"child": 0, "parent": resumeAt}[run]
				for i, r := range rows {
					want := all[from+i]
					require.Equal(t, want.GlobalPosition, r.Position, "%s's publish %d", run, i+1)
					require.Equal(t, want.EventID, r.EventID, "%s's publish of position %d", run, r.Position)
				}
			}
			assert.Len(t, parent, len(all)-resumeAt, "the new stream published from the stored position to the end")
			t.Logf("the child published %d events and stored the position of the %dth; %d were published again",
				len(child), resumeAt, len(child)-resumeAt)
		})
	}
}
