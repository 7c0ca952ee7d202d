package projection

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// MaxPartitions is the most partitions a projection may be split into ([WithPartitions]).
const MaxPartitions = 256

// PartitionOf returns the partition of the events of aggregateID when a projection is split
// into n partitions (0 ≤ result < n): the 32-bit FNV-1a hash of the id's UTF-8 bytes, modulo n.
// Every event of one aggregate belongs to one partition, so each partition applies an
// aggregate's events in sequence order. The hash is part of the stored layout (PostgreSQL
// computes it in the database, as pyfly_partition(aggregate_id, n)): it never changes.
func PartitionOf(aggregateID string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(aggregateID))
	return int(h.Sum32() % uint32(n))
}

// PartitionName returns the name of partition i of the n partitions of the projection named
// name: "name#i/n" (orders_view#0/4). It names the partition's checkpoint, its dead letters,
// its lease ("pyfly.projection.orders_view#0/4") and its Status.
func PartitionName(name string, i, n int) string {
	return name + "#" + strconv.Itoa(i) + "/" + strconv.Itoa(n)
}

// ParsePartitionName reads a name of [PartitionName]'s form for the projection named name
// (orders_view#2/4: 2, 4); ok is false for any other name.
func ParsePartitionName(name, candidate string) (i, n int, ok bool) {
	rest, found := strings.CutPrefix(candidate, name+"#")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || strconv.Itoa(i) != a || strconv.Itoa(n) != b {
		return 0, 0, false
	}
	return i, n, true
}

// PartitionReader is implemented by event stores that read one partition's events in the
// database, so that a partition does not read the events of the others (the Bun store does).
// Without it, a partition reads the whole stream and keeps its own events.
type PartitionReader interface {
	// ReadPartition returns events with after < GlobalPosition ≤ upTo whose aggregate is in
	// partition of partitions ([PartitionOf]), in position order, at most limit, as ReadAll
	// would (the same errors, the same *es.DecodeError for an event it cannot hand out), and the
	// position through which it read: every event of the partition up to it is among those
	// returned (after ≤ through ≤ upTo; upTo when it read everything). upTo is a position a
	// reader can see.
	ReadPartition(ctx context.Context, after, upTo int64, limit, partition, partitions int) (events []es.Envelope, through int64, err error)
}

// CheckpointCatalog is implemented by checkpoint stores that can list and delete checkpoints
// (the memory and Bun stores do). A runner uses it to refuse a change of a projection's number
// of partitions, and [Runner.Reset] to clear the checkpoints of another number.
type CheckpointCatalog interface {
	// CheckpointNames lists the names of the checkpoints that start with prefix, sorted.
	CheckpointNames(ctx context.Context, prefix string) ([]string, error)
	// DeleteCheckpoint removes the checkpoint of name; removing a missing one does nothing. It
	// joins the transaction in ctx.
	DeleteCheckpoint(ctx context.Context, name string) error
}

// PartitionsChangedError reports a projection whose stored checkpoints were split into another
// number of partitions than the runner is given: applying its events again with another split
// would apply some twice and skip none only by chance. [Runner.Reset] clears the old layout
// (rebuild the read model in its transaction). It matches es.ErrInvalidArgument.
type PartitionsChangedError struct {
	// Projection is the projection's name.
	Projection string
	// Stored is the number of partitions of its checkpoints (1: one unpartitioned checkpoint);
	// Configured is the runner's.
	Stored, Configured int
	// Checkpoint is a stored checkpoint of the other layout.
	Checkpoint string
}

func (e *PartitionsChangedError) Error() string {
	return fmt.Sprintf("projection %q: its stored checkpoints are split into %d partition(s) (checkpoint %q) but the runner is configured with %d: "+
		"run it with the old number, or call Reset on a runner with the new one: it deletes the old checkpoints and applies the stream again (clear the read model in its transaction)",
		e.Projection, e.Stored, e.Checkpoint, e.Configured)
}

// Unwrap makes the error match es.ErrInvalidArgument.
func (e *PartitionsChangedError) Unwrap() error { return es.ErrInvalidArgument }

// foreignCheckpoints lists the stored checkpoints of the projection named name that belong to
// another number of partitions than n: the plain name when n > 1, and name#i/m with m ≠ n. A
// store that is not a [CheckpointCatalog] lists none.
func foreignCheckpoints(ctx context.Context, cps CheckpointStore, name string, n int) (names []string, stored int, err error) {
	cat, ok := cps.(CheckpointCatalog)
	if !ok {
		return nil, 0, nil
	}
	listed, err := cat.CheckpointNames(ctx, name+"#")
	if err != nil {
		return nil, 0, fmt.Errorf("projection %q: list its partitions' checkpoints: %w", name, err)
	}
	for _, c := range listed {
		if _, m, ok := ParsePartitionName(name, c); ok && m != n {
			names, stored = append(names, c), m
		}
	}
	if n > 1 {
		if _, found, err := cps.Position(ctx, name); err != nil {
			return nil, 0, fmt.Errorf("projection %q: read its checkpoint: %w", name, err)
		} else if found {
			names, stored = append(names, name), 1
		}
	}
	return names, stored, nil
}

// checkPartitions refuses to run the projection named name in n partitions when its stored
// checkpoints are split otherwise.
func checkPartitions(ctx context.Context, cps CheckpointStore, name string, n int) error {
	foreign, stored, err := foreignCheckpoints(ctx, cps, name, n)
	if err != nil || len(foreign) == 0 {
		return err
	}
	return &PartitionsChangedError{Projection: name, Stored: stored, Configured: n, Checkpoint: foreign[0]}
}

// deleteForeign removes the checkpoints of the projection named name that belong to another
// number of partitions than n; it joins the transaction in ctx.
func deleteForeign(ctx context.Context, cps CheckpointStore, name string, n int) error {
	foreign, _, err := foreignCheckpoints(ctx, cps, name, n)
	if err != nil {
		return err
	}
	cat, _ := cps.(CheckpointCatalog)
	for _, c := range foreign {
		if err := cat.DeleteCheckpoint(ctx, c); err != nil {
			return fmt.Errorf("projection %q: delete checkpoint %q: %w", name, c, err)
		}
	}
	return nil
}
