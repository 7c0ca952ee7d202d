//go:build unix

package bunstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// The child process of TestVersionSwitchAcrossProcesses runs version 2 over the database these
// name, each event's handler taking the given time.
const (
	envVersionChild = "ES_VERSION_CHILD"
	envVersionURL   = "ES_VERSION_URL"
	envVersionSlow  = "ES_VERSION_SLOW"
)

// versionedView is the projection of the test: version N writes each event's position and
// replay mode to the table vview_vN, in the checkpoint's transaction.
func versionedView(slow time.Duration) projection.Projection {
	return projection.FunctionProjection("vview", func(ctx context.Context, e es.Envelope) error {
		tx, ok := bunstore.TxFrom(ctx)
		if !ok {
			return errNoTx
		}
		if slow > 0 {
			time.Sleep(slow)
		}
		table := fmt.Sprintf("vview_v%d", projection.VersionFrom(ctx))
		_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (position, replay) VALUES (?, ?)", e.GlobalPosition, projection.IsReplay(ctx))
		return err
	})
}

// versionedRunner runs version of versionedView over url's database.
func versionedRunner(t testing.TB, db *bun.DB, version int, owner string, slow time.Duration) *projection.Runner {
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(db)
	require.NoError(t, err)
	r, err := projection.NewRunner(versionedView(slow), newEventStore(t, db), projection.WithCheckpoints(cps),
		projection.WithLease(lease), projection.WithLeaseTTL(2*time.Second), projection.WithOwner(owner),
		projection.WithPollInterval(50*time.Millisecond), projection.WithVersion(version), projection.WithSwitchLag(20),
		projection.WithBatchSize(50), projection.WithCommitSize(200))
	require.NoError(t, err)
	return r
}

// TestVersionChild is the child process of TestVersionSwitchAcrossProcesses: it runs version 2
// until it is killed.
func TestVersionChild(t *testing.T) {
	if os.Getenv(envVersionChild) != "1" {
		t.Skip("runs as the child of TestVersionSwitchAcrossProcesses")
	}
	slow, err := time.ParseDuration(os.Getenv(envVersionSlow))
	require.NoError(t, err)
	db := openDB(t, os.Getenv(envVersionURL))
	r := versionedRunner(t, db, 2, fmt.Sprintf("child-%d", os.Getpid()), slow)
	require.NoError(t, r.Start(context.Background()))
	time.Sleep(time.Hour)
}

// startVersionChild starts a child process running version 2; the test's end kills it.
func startVersionChild(t *testing.T, url string, slow time.Duration) *exec.Cmd {
	return startChildTest(t, "TestVersionChild", envVersionChild+"=1", envVersionURL+"="+url, envVersionSlow+"="+slow.String())
}

// startChildTest runs the test named name of this binary in a child process with env added to
// this process's environment; the test's end kills it, and logs its output when the test failed.
func startChildTest(t *testing.T, name string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("child %d (%s) output:\n%s", cmd.Process.Pid, name, out.String())
		}
	})
	return cmd
}

// TestVersionSwitchAcrossProcesses is the acceptance test of versions: version 1 runs in this
// process with a read model while a writer keeps appending; version 2 starts in another process,
// is killed with SIGKILL during its catch-up and started again in a third; it takes over once
// caught up, through the database, and version 1 stops at the handoff position. Version 2's read
// model holds every event exactly once, replayed up to the handoff and live after it; version
// 1's holds every event up to the handoff once.
func TestVersionSwitchAcrossProcesses(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			url := b.url(t)
			db := openDB(t, url)
			for _, table := range []string{"vview_v1", "vview_v2"} {
				_, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (position BIGINT NOT NULL, replay BOOLEAN NOT NULL)")
				require.NoError(t, err)
			}
			events := newEventStore(t, db)
			var history int64
			for i := range 10 {
				envs := testkit.Envelopes(t, "Placed", 1, 100)
				require.NoError(t, events.Append(ctx, fmt.Sprintf("h-%d", i), "Order", 0, envs))
				history = max(history, envs[len(envs)-1].GlobalPosition)
			}
			// On PostgreSQL the stream shows an event once no transaction that began before it is
			// open (the read horizon), and another one may still be: version 1 takes the stream's
			// last position at its start as where its history ends, so it starts once the whole
			// history shows.
			testkit.WaitFor(t, 30*time.Second, func() bool {
				last, err := events.LastPosition(ctx)
				require.NoError(t, err)
				return last >= history
			}, "the history to show on the stream")
			cps, err := bunstore.NewCheckpointStore(db)
			require.NoError(t, err)

			v1 := versionedRunner(t, db, 1, "parent", 0)
			require.NoError(t, v1.Start(ctx))
			t.Cleanup(func() { _ = v1.Stop(context.Background()) })
			testkit.WaitFor(t, 30*time.Second, func() bool {
				st, err := v1.Status(ctx)
				require.NoError(t, err)
				return st.Lag == 0
			}, "version 1 to apply the history")

			var stop atomic.Bool
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // the writer
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					if err := events.Append(ctx, fmt.Sprintf("w-%d", i), "Order", 0, testkit.Envelopes(t, "Placed", 1, 3)); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
			t.Cleanup(func() { stop.Store(true); wg.Wait() })

			// The first child catches up slowly and is killed halfway.
			first := startVersionChild(t, url, 2*time.Millisecond)
			testkit.WaitFor(t, 60*time.Second, func() bool {
				return len(versionedRows(t, db, "vview_v2")) >= 300
			}, "the first child to catch up part of the history")
			require.NoError(t, first.Process.Signal(syscall.SIGKILL))
			_ = first.Wait()
			active, _, err := cps.Position(ctx, "vview@active")
			require.NoError(t, err)
			require.Equal(t, int64(1), active, "the killed child had not taken over")
			st, err := v1.Status(ctx)
			require.NoError(t, err)
			require.True(t, st.Running, "version 1 keeps serving")

			startVersionChild(t, url, 0)
			testkit.WaitFor(t, 60*time.Second, func() bool {
				a, _, err := cps.Position(ctx, "vview@active")
				require.NoError(t, err)
				return a == 2
			}, "version 2 to take over")
			testkit.WaitFor(t, 30*time.Second, func() bool {
				st, err := v1.Status(ctx)
				require.NoError(t, err)
				return !st.Running
			}, "version 1 to stop")
			time.Sleep(300 * time.Millisecond) // live events for version 2
			stop.Store(true)
			wg.Wait()
			last, err := events.LastPosition(ctx)
			require.NoError(t, err)
			testkit.WaitFor(t, 30*time.Second, func() bool {
				p, _, err := cps.Position(ctx, "vview@v2")
				require.NoError(t, err)
				return p == last
			}, "version 2 to apply every event")

			all, err := events.ReadAll(ctx, 0, 1<<20)
			require.NoError(t, err)
			handoff, ok, err := cps.Position(ctx, "vview@v2.live")
			require.NoError(t, err)
			require.True(t, ok)
			st, err = v1.Status(ctx)
			require.NoError(t, err)
			assert.Equal(t, projection.RoleSuperseded, st.Role)
			assert.Equal(t, handoff, st.HandoffPosition)
			assert.Equal(t, handoff, st.Position, "version 1 stopped at the handoff")

			rows2 := versionedRows(t, db, "vview_v2")
			require.Len(t, rows2, len(all), "version 2 applied every event once")
			var replayed, live int
			for i, e := range all {
				require.Equal(t, e.GlobalPosition, rows2[i].position)
				assert.Equal(t, e.GlobalPosition <= handoff, rows2[i].replay, "position %d, handoff %d", e.GlobalPosition, handoff)
				if rows2[i].replay {
					replayed++
				} else {
					live++
				}
			}
			t.Logf("%d events; version 2 replayed %d, applied %d live after the handoff at %d", len(all), replayed, live, handoff)
			assert.Positive(t, live)
			rows1 := versionedRows(t, db, "vview_v1")
			var upTo []int64
			for _, e := range all {
				if e.GlobalPosition <= handoff {
					upTo = append(upTo, e.GlobalPosition)
				}
			}
			require.Len(t, rows1, len(upTo), "version 1 applied every event up to the handoff once")
			for i, p := range upTo {
				assert.Equal(t, p, rows1[i].position)
				assert.Equal(t, p <= history, rows1[i].replay, "version 1 replayed its history, position %d", p)
			}
		})
	}
}

type versionedRow struct {
	position int64
	replay   bool
}

// versionedRows reads a version's read model in position order.
func versionedRows(t *testing.T, db *bun.DB, table string) []versionedRow {
	rows, err := db.QueryContext(context.Background(), "SELECT position, replay FROM "+table+" ORDER BY position")
	require.NoError(t, err)
	defer rows.Close()
	var out []versionedRow
	for rows.Next() {
		var r versionedRow
		require.NoError(t, rows.Scan(&r.position, &r.replay))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}
