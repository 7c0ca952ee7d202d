package bunstore

import (
	"context"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

var _ projection.PartitionReader = (*EventStore)(nil)

// partitionsDialect is what a partition's read needs from a dialect.
type partitionsDialect interface {
	// readPartitionSQL: (after, upTo, limit, partitions, partition, window), eventColumns in
	// position order, of the events of one partition (projection.PartitionOf, computed in the
	// database as pyfly_partition(aggregate_id, partitions)) among the first window events after
	// after, up to upTo: the scan walks the position index and hashes window rows at most.
	readPartitionSQL() string
	// windowEndSQL: (after, upTo, window), the position of the last of those window events.
	windowEndSQL() string
}

func (postgresDialect) readPartitionSQL() string {
	return `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE global_position IN (
	SELECT w.global_position FROM (SELECT global_position, aggregate_id FROM pyfly_event_store
		WHERE global_position > $1::bigint AND global_position <= $2::bigint ORDER BY global_position LIMIT $6) AS w
	WHERE pyfly_partition(w.aggregate_id, $4::integer) = $5::integer ORDER BY w.global_position LIMIT $3)
ORDER BY global_position`
}

func (postgresDialect) windowEndSQL() string {
	return `SELECT coalesce(max(global_position), 0) FROM (SELECT global_position FROM pyfly_event_store
	WHERE global_position > $1::bigint AND global_position <= $2::bigint ORDER BY global_position LIMIT $3) AS w`
}

func (sqliteDialect) readPartitionSQL() string {
	return `SELECT ` + eventColumns + ` FROM (SELECT ` + eventColumns + ` FROM pyfly_event_store
	WHERE global_position > ?1 AND global_position <= ?2 ORDER BY global_position LIMIT ?6) AS w
WHERE pyfly_partition(w.aggregate_id, ?4) = ?5
ORDER BY global_position LIMIT ?3`
}

func (sqliteDialect) windowEndSQL() string {
	return `SELECT coalesce(max(global_position), 0) FROM (SELECT global_position FROM pyfly_event_store
	WHERE global_position > ?1 AND global_position <= ?2 ORDER BY global_position LIMIT ?3) AS w`
}

// partitionWindow is how many events of the stream one read of a partition looks at: four
// times what the partition's share of them needs to fill the page, at least 1,000.
func partitionWindow(limit, partitions int) int {
	return min(max(limit*partitions*4, 1000), 1_000_000)
}

// init gives SQLite connections pyfly_partition, which PostgreSQL gets from migration 0009.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("pyfly_partition", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		id, ok := args[0].(string)
		if !ok {
			if b, isBytes := args[0].([]byte); isBytes {
				id, ok = string(b), true
			}
		}
		n, nok := args[1].(int64)
		if !ok || !nok || n < 1 {
			return nil, fmt.Errorf("pyfly_partition(aggregate_id, n): needs a text id and n ≥ 1, got %T and %v", args[0], args[1])
		}
		return int64(projection.PartitionOf(id, int(n))), nil
	})
}

// ReadPartition implements projection.PartitionReader: the events with after < position ≤ upTo
// of the aggregates in partition of partitions, at most limit, in position order, filtered in
// the database (FNV-1a of the aggregate id: pyfly_partition), and the position through which it
// read (every event of the partition up to it is returned). One read walks the position index
// over a window of the stream (4 × limit × partitions events, at least 1,000) and hashes those
// rows only. upTo must be a position readers can see (LastPosition's or below): the read has no
// horizon of its own. A row that does not decode ends the page with an *es.DecodeError.
func (s *EventStore) ReadPartition(ctx context.Context, after, upTo int64, limit, partition, partitions int) ([]es.Envelope, int64, error) {
	if err := storekit.ValidateReadAll(after, limit); err != nil {
		return nil, after, err
	}
	if partitions < 1 || partitions > projection.MaxPartitions || partition < 0 || partition >= partitions {
		return nil, after, storekit.InvalidArgument("partition %d of %d: needs 1 ≤ partitions ≤ %d and 0 ≤ partition < partitions", partition, partitions, projection.MaxPartitions)
	}
	if upTo <= after {
		return nil, after, nil
	}
	window := partitionWindow(limit, partitions)
	events, err := s.query(ctx, "read partition", min(limit, maxPreallocate), s.dl.readPartitionSQL(), after, upTo, limit, partitions, partition, window)
	if err != nil || len(events) >= limit {
		through := after
		if n := len(events); n > 0 {
			through = events[n-1].GlobalPosition
		}
		return events, through, err
	}
	var end int64
	if err := reader(ctx, s.db).QueryRowContext(ctx, s.dl.windowEndSQL(), after, upTo, window).Scan(&end); err != nil {
		return nil, after, wrapErr(ctx, "read partition", eventTable, err)
	}
	return events, max(end, after), nil
}
