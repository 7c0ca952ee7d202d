//go:build unix

package replicas_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// The child processes of the replica tests run the runners these describe.
const (
	envReplicaChild       = "ES_REPLICA_CHILD"
	envReplicaURL         = "ES_REPLICA_URL"
	envReplicaMember      = "ES_REPLICA_MEMBER"
	envReplicaProjections = "ES_REPLICA_PROJECTIONS"
	envReplicaPartitions  = "ES_REPLICA_PARTITIONS"
	envReplicaSleep       = "ES_REPLICA_SLEEP"
	envReplicaTTL         = "ES_REPLICA_TTL"
)

// replicaPoll is the runners' poll interval in the replica tests.
const replicaPoll = 50 * time.Millisecond

// replicaSpec is what one replica process runs: projections replica_0 … replica_<n-1>, each
// split into partitions, with a handler that sleeps, balanced by a member with the given TTL.
// A handler writes a row per event to replica_view, numbered in the order of the writes.
type replicaSpec struct {
	projections int
	partitions  int
	sleep       time.Duration
	ttl         time.Duration
}

func (s replicaSpec) env(url, member string) []string {
	return append(os.Environ(), envReplicaChild+"=1", envReplicaURL+"="+url, envReplicaMember+"="+member,
		envReplicaProjections+"="+strconv.Itoa(s.projections), envReplicaPartitions+"="+strconv.Itoa(max(s.partitions, 1)),
		envReplicaSleep+"="+s.sleep.String(), envReplicaTTL+"="+s.ttl.String())
}

// replicaViewDDL creates the read model every replica writes: a row per applied event, in the
// batch's transaction, numbered in the order the rows were written.
const replicaViewDDL = `CREATE TABLE IF NOT EXISTS replica_view (
	n BIGSERIAL PRIMARY KEY, projection TEXT NOT NULL, event_id TEXT NOT NULL, aggregate_id TEXT NOT NULL, sequence BIGINT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`

// replicaRunners builds the runners spec describes, over db, with one balancer named member.
func replicaRunners(t testing.TB, db *bun.DB, member string, spec replicaSpec) []*projection.Runner {
	cps, err := bunstore.NewCheckpointStore(db)
	require.NoError(t, err)
	lease, err := bunstore.NewLease(db)
	require.NoError(t, err)
	members, err := bunstore.NewMembership(db)
	require.NoError(t, err)
	b, err := projection.NewBalancer(members, projection.BalancerConfig{Member: member, TTL: spec.ttl})
	require.NoError(t, err)
	store := newEventStore(t, db)
	var out []*projection.Runner
	for i := range spec.projections {
		name := fmt.Sprintf("replica_%d", i)
		handle := func(ctx context.Context, e es.Envelope) error {
			tx, ok := bunstore.TxFrom(ctx)
			if !ok {
				return fmt.Errorf("no transaction in the handler's context")
			}
			if spec.sleep > 0 {
				time.Sleep(spec.sleep)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO replica_view (projection, event_id, aggregate_id, sequence) VALUES (?, ?, ?, ?)`,
				name, e.EventID, e.AggregateID, e.Sequence)
			return err
		}
		opts := []projection.Option{projection.WithCheckpoints(cps), projection.WithLease(lease), projection.WithBalancer(b),
			projection.WithLeaseTTL(spec.ttl), projection.WithPollInterval(replicaPoll), projection.WithOwner(member + "/" + name),
			projection.WithRetry(10*time.Millisecond, 100*time.Millisecond)}
		if spec.partitions > 1 {
			opts = append(opts, projection.WithPartitions(spec.partitions))
		}
		r, err := projection.NewRunner(projection.FunctionProjection(name, handle), store, opts...)
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

// TestReplicaChild is a replica process of the replica tests: it runs the runners its
// environment describes until it is killed or its standard input closes.
func TestReplicaChild(t *testing.T) {
	if os.Getenv(envReplicaChild) != "1" {
		t.Skip("runs as a child of the replica tests")
	}
	spec := replicaSpec{}
	var err error
	spec.projections, err = strconv.Atoi(os.Getenv(envReplicaProjections))
	require.NoError(t, err)
	spec.partitions, err = strconv.Atoi(os.Getenv(envReplicaPartitions))
	require.NoError(t, err)
	spec.sleep, err = time.ParseDuration(os.Getenv(envReplicaSleep))
	require.NoError(t, err)
	spec.ttl, err = time.ParseDuration(os.Getenv(envReplicaTTL))
	require.NoError(t, err)
	db, err := bunstore.Open(context.Background(), os.Getenv(envReplicaURL))
	require.NoError(t, err)
	runners := replicaRunners(t, db, os.Getenv(envReplicaMember), spec)
	for _, r := range runners {
		require.NoError(t, r.Start(context.Background()))
	}
	fmt.Println("STARTED")
	_, _ = os.Stdin.Read(make([]byte, 1)) // the parent closes it to stop this process gracefully
	for _, r := range runners {
		_ = r.Stop(context.Background())
	}
}

// replica is a running replica process.
type replica struct {
	member string
	cmd    *exec.Cmd
	stdin  interface{ Close() error }
	stderr *strings.Builder
}

// startReplica starts a replica process named member and waits until its runners run.
func startReplica(t testing.TB, url, member string, spec replicaSpec) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaChild$", "-test.v")
	cmd.Env = spec.env(url, member)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	rep := &replica{member: member, cmd: cmd, stdin: stdin, stderr: &strings.Builder{}}
	cmd.Stderr = rep.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	started := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		var seen strings.Builder
		closed := false
		for {
			n, err := out.Read(buf)
			seen.Write(buf[:n])
			if !closed && strings.Contains(seen.String(), "STARTED") {
				close(started)
				closed = true
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(60 * time.Second):
		t.Fatalf("replica %s did not start: %s", member, rep.stderr.String())
	}
	return rep
}

// kill ends the replica with SIGKILL.
func (r *replica) kill(t testing.TB) {
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGKILL))
	_ = r.cmd.Wait()
}

// stop closes the replica's standard input, so that it stops its runners and exits, and waits.
func (r *replica) stop(t testing.TB) {
	require.NoError(t, r.stdin.Close())
	require.NoError(t, r.cmd.Wait(), "replica %s: %s", r.member, r.stderr.String())
}

// heldBy counts the live leases of each member (owners are member/runner), by the server's clock.
func heldBy(t testing.TB, db *bun.DB, members ...string) []int {
	out := make([]int, len(members))
	for i, m := range members {
		var n int
		require.NoError(t, db.QueryRowContext(context.Background(),
			`SELECT count(*) FROM pyfly_locks WHERE locked_by LIKE ? AND lock_until > clock_timestamp()`, m+"/%").Scan(&n))
		out[i] = n
	}
	return out
}
