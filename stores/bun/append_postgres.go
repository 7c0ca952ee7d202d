package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// positionSpan is the number of global positions each PostgreSQL transaction owns: a position is
// xid × positionSpan + ordinal, with ordinal in [0, positionSpan).
const (
	positionSpan    = 1 << 20
	positionSpanSQL = "1048576"
)

// pgHeadSQL reads the transaction's base position (which assigns its transaction id) and the
// aggregate's last event. ORDER BY … LIMIT 1 keeps the plan an index probe under generic plans.
const pgHeadSQL = `SELECT pg_current_xact_id()::text::bigint * ` + positionSpanSQL + `, coalesce(h.sequence, 0), coalesce(h.global_position, 0)
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
	SELECT sequence, global_position FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1
) AS h ON true`

// pgInsertSQL inserts a whole batch from arrays: one statement text for every batch size.
const pgInsertSQL = `INSERT INTO pyfly_event_store
	(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position)
SELECT e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, ''), $4 + e.ord
FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::int[], $11::text[])
	WITH ORDINALITY AS e(event_id, event_type, payload, metadata, occurred_at, version, tenant_id, ord)`

// pgAppendSQL is the version check, the sequence-order guard and the insert in one statement:
// outside a transaction it is its own transaction, one round trip per append. It returns the
// transaction's base position, the aggregate's last sequence and position before the append,
// and how many rows it inserted (0 when a check failed). $4 is the first ordinal − 1.
const pgAppendSQL = `WITH head AS MATERIALIZED (
	SELECT pg_current_xact_id()::text::bigint * ` + positionSpanSQL + ` AS base, coalesce(h.sequence, 0) AS seq, coalesce(h.global_position, 0) AS pos
	FROM (SELECT 1) AS one LEFT JOIN LATERAL (
		SELECT sequence, global_position FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1
	) AS h ON true
), ins AS (
	INSERT INTO pyfly_event_store
		(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position)
	SELECT e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, ''), head.base + $4 + e.ord
	FROM head, unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::int[], $11::text[])
		WITH ORDINALITY AS e(event_id, event_type, payload, metadata, occurred_at, version, tenant_id, ord)
	WHERE head.seq = $3 AND (head.seq = 0 OR head.pos < head.base + ` + positionSpanSQL + `)
	RETURNING 1
)
SELECT base, seq, pos, (SELECT count(*) FROM ins) FROM head`

// appendPostgres checks the version and inserts b in tx. st is the ambient transaction's state
// (nil for the store's own transaction): its counter hands out the ordinals of the positions.
func (s *EventStore) appendPostgres(ctx context.Context, tx *sql.Tx, st *txState, b *batch) error {
	start, err := reserveOrdinals(st, len(b.eventIDs))
	if err != nil {
		return err
	}
	var base, lastSeq, lastPos int64
	if err := tx.QueryRowContext(ctx, pgHeadSQL, b.aggregateID).Scan(&base, &lastSeq, &lastPos); err != nil {
		return s.mapAppendErr(ctx, b, "append: read version", err)
	}
	if err := checkHead(b, base, lastSeq, lastPos); err != nil {
		return err
	}
	// Positions are base + start + ord, ord from 1: the SQL adds ord.
	_, err = tx.ExecContext(ctx, pgInsertSQL, s.pgArgs(b, base+start-1)...)
	if err != nil {
		return s.mapAppendErr(ctx, b, "append: insert", err)
	}
	return nil
}

// checkHead is the version check plus the sequence-order guard.
func checkHead(b *batch, base, lastSeq, lastPos int64) error {
	if lastSeq != b.expected {
		return &es.ConcurrencyError{AggregateID: b.aggregateID, AggregateType: b.aggregateType, Expected: b.expected, Actual: lastSeq}
	}
	if lastSeq > 0 && lastPos >= base+positionSpan {
		return &es.ConcurrencyError{
			AggregateID: b.aggregateID, AggregateType: b.aggregateType, Expected: b.expected, Actual: lastSeq,
			Reason: fmt.Sprintf("event %d was committed by a transaction that started writing after this one, so appending here would put event %d before it on the global stream; retry in a new transaction", lastSeq, lastSeq+1),
		}
	}
	return nil
}

// reserveOrdinals takes n ordinals (from 1) from the transaction's counter; a store's own
// transaction starts at 1.
func reserveOrdinals(st *txState, n int) (int64, error) {
	if st == nil {
		if n >= positionSpan {
			return 0, storekit.InvalidArgument("events: at most %d events per transaction, got %d", positionSpan-1, n)
		}
		return 1, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ordinal+int64(n) >= positionSpan {
		return 0, storekit.InvalidArgument("events: at most %d events per transaction, this one would hold %d", positionSpan-1, st.ordinal+int64(n))
	}
	start := st.ordinal + 1
	st.ordinal += int64(n)
	return start, nil
}

func (s *EventStore) pgArgs(b *batch, posBase int64) []any {
	if s.pgxArrays {
		return []any{b.aggregateID, b.aggregateType, b.expected, posBase,
			b.eventIDs, b.eventTypes, b.payloads, b.metadata, b.occurredAt, b.versions, b.tenants}
	}
	// Other drivers get PostgreSQL array literals, which the ::type[] casts read.
	times := make([]string, len(b.occurredAt))
	versions := make([]string, len(b.versions))
	for i := range times {
		times[i] = b.occurredAt[i].Format(time.RFC3339Nano)
		versions[i] = strconv.Itoa(int(b.versions[i]))
	}
	return []any{b.aggregateID, b.aggregateType, b.expected, posBase,
		arrayLiteral(b.eventIDs), arrayLiteral(b.eventTypes), arrayLiteral(b.payloads), arrayLiteral(b.metadata),
		arrayLiteral(times), arrayLiteral(versions), arrayLiteral(b.tenants)}
}

// arrayLiteral writes a PostgreSQL array literal of quoted elements: {"a","b\"c"}.
func arrayLiteral(items []string) string {
	n := 2
	for _, it := range items {
		n += len(it) + 3
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteByte('{')
	for i, it := range items {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('"')
		for j := 0; j < len(it); j++ {
			if c := it[j]; c == '"' || c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(it[j])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}
