//go:build unix

package bunstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit"
)

// The child process of TestFailoverAfterSIGKILL runs a runner over the database these name.
const (
	envFailoverChild = "ES_FAILOVER_CHILD"
	envFailoverURL   = "ES_FAILOVER_URL"
	envFailoverTTL   = "ES_FAILOVER_TTL"
)

// failoverPoll is both runners' poll interval: a standby tries the lease this often.
const failoverPoll = 100 * time.Millisecond

// failoverRunner is the runner both processes run: projection "failover_view", no-op handler.
func failoverRunner(t testing.TB, url, owner string, ttl time.Duration) *projection.Runner {
	db := openDB(t, url)
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(db)
	require.NoError(t, err)
	r, err := projection.NewRunner(projection.FunctionProjection("failover_view", func(context.Context, es.Envelope) error { return nil }),
		newEventStore(t, db), projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithLeaseTTL(ttl),
		projection.WithOwner(owner), projection.WithPollInterval(failoverPoll))
	require.NoError(t, err)
	return r
}

// TestFailoverChild is the child process of TestFailoverAfterSIGKILL: it runs the runner, says
// ACTIVE once it holds the lease, and waits to be killed.
func TestFailoverChild(t *testing.T) {
	if os.Getenv(envFailoverChild) != "1" {
		t.Skip("runs as the child of TestFailoverAfterSIGKILL")
	}
	ttl, err := time.ParseDuration(os.Getenv(envFailoverTTL))
	require.NoError(t, err)
	r := failoverRunner(t, os.Getenv(envFailoverURL), "child", ttl)
	require.NoError(t, r.Start(context.Background()))
	for {
		st, err := r.Status(context.Background())
		if err == nil && st.Active && st.Lag == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Println("ACTIVE")
	time.Sleep(time.Hour)
}

// TestFailoverAfterSIGKILL: a runner in another process holds the projection's lease and is
// killed with SIGKILL; the standby in this process takes over within the failover time the
// package documents: on PostgreSQL within a standby interval of the death (its session's
// advisory lock ends with the connection), whatever the lease's time to live; on SQLite once the
// time to live has passed.
func TestFailoverAfterSIGKILL(t *testing.T) {
	cases := []struct {
		backend backend
		ttl     time.Duration
		within  func(ttl time.Duration) time.Duration // the documented failover time
	}{
		{backends()[0], 30 * time.Second, func(time.Duration) time.Duration { return failoverPoll }},
		{backends()[1], 3 * time.Second, func(ttl time.Duration) time.Duration { return ttl + failoverPoll }},
	}
	for _, tc := range cases {
		t.Run(tc.backend.name, func(t *testing.T) {
			ctx := context.Background()
			url := tc.backend.url(t)
			events := newEventStore(t, openDB(t, url))
			require.NoError(t, events.Append(ctx, "order-1", "Order", 0, testkit.Envelopes(t, "Placed", 1, 20)))

			cmd := exec.Command(os.Args[0], "-test.run=^TestFailoverChild$", "-test.v")
			cmd.Env = append(os.Environ(), envFailoverChild+"=1", envFailoverURL+"="+url, envFailoverTTL+"="+tc.ttl.String())
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			active := make(chan struct{})
			go func() {
				lines := bufio.NewScanner(out)
				for lines.Scan() {
					if lines.Text() == "ACTIVE" {
						close(active)
					}
				}
			}()
			select {
			case <-active:
			case <-time.After(60 * time.Second):
				t.Fatalf("the child did not take the lease: %s", stderr.String())
			}

			standby := failoverRunner(t, url, "parent", tc.ttl)
			require.NoError(t, standby.Start(ctx))
			t.Cleanup(func() { _ = standby.Stop(context.Background()) })
			testkit.WaitFor(t, 10*time.Second, func() bool {
				st, err := standby.Status(ctx)
				require.NoError(t, err)
				return st.Running && !st.Active && st.LeaseHolder == "child"
			}, "the standby to see the child holding the lease")

			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed := time.Now()
			_ = cmd.Wait()
			within := tc.within(tc.ttl)
			// The margin covers the server's noticing the closed connection, scheduling and this
			// test's polling under -race on a loaded machine.
			const margin = 2 * time.Second
			testkit.WaitFor(t, within+margin+10*time.Second, func() bool {
				st, err := standby.Status(ctx)
				require.NoError(t, err)
				return st.Active
			}, "the standby to take over")
			took := time.Since(killed)
			t.Logf("the standby took over %v after the active process was killed (lease ttl %v, documented failover %v)", took, tc.ttl, within)
			assert.Less(t, took, within+margin)
			if tc.backend.name == "postgres" {
				assert.Less(t, took, tc.ttl/3, "well before the lease's time to live")
			}

			require.NoError(t, events.Append(ctx, "order-1", "Order", 20, testkit.Envelopes(t, "Placed", 21, 5)))
			testkit.WaitFor(t, 20*time.Second, func() bool {
				st, err := standby.Status(ctx)
				require.NoError(t, err)
				return st.Lag == 0 && st.Position == st.LastPosition
			}, "the new active runner to apply the events written after the kill")
			st, err := standby.Status(ctx)
			require.NoError(t, err)
			assert.Equal(t, "parent", st.LeaseHolder)
		})
	}
}
