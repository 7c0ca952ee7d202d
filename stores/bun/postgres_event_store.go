package bunstore

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// positionSpan is the number of global positions each PostgreSQL transaction owns: a position is
// xid × positionSpan + ordinal, with ordinal in [0, positionSpan).
const (
	positionSpan    = 1 << 20
	positionSpanSQL = "1048576"
)

// pgAppendSQL is the version check, the sequence-order guard and the insert of a whole batch
// from arrays in one statement (one text for every batch size): outside a transaction it is its
// own transaction, one round trip per append. The head reads the aggregate's last event; ORDER
// BY … LIMIT 1 keeps the plan an index probe under generic plans. Arguments: $1 aggregate id, $2
// aggregate type, $3 expected version, $4 the first ordinal − 1, $5..$11 the event columns.
//
// It returns the base position (0 when the version check failed), the aggregate's last sequence
// and position before the append, how many rows it inserted (0 when a check failed or a
// concurrent append took the first sequence) and, only when the version check failed, the id of
// the event stored at the expected version + 1 (a retry of an append that committed finds its
// own first event there).
//
// Refusals raise no error, because pgx drops its prepared statement after any error: a race
// loser would then pay, on its connection's next append, a round trip to deallocate, one to
// prepare again and five planned executions of this statement. So:
//   - the transaction id (which positions derive from) is taken only once the version check has
//     passed, so a refused append writes nothing, not even a commit record;
//   - the first event goes in alone with ON CONFLICT (aggregate_id, sequence) DO NOTHING: an
//     append that passed the check but lost the race to a concurrent one (which PostgreSQL
//     waits for) inserts nothing; the others follow only when the first went in, so a batch is
//     never partly written (no concurrent append can hold a later sequence without the first).
const pgAppendSQL = `WITH head AS MATERIALIZED (
	SELECT coalesce(h.sequence, 0) AS seq, coalesce(h.global_position, 0) AS pos,
		CASE WHEN coalesce(h.sequence, 0) > $3 THEN
			(SELECT n.event_id FROM pyfly_event_store AS n WHERE n.aggregate_id = $1 AND n.sequence = $3 + 1)
		END AS at_next
	FROM (SELECT 1) AS one LEFT JOIN LATERAL (
		SELECT sequence, global_position FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1
	) AS h ON true
), base AS MATERIALIZED (
	SELECT CASE WHEN head.seq = $3 THEN pg_current_xact_id()::text::bigint * ` + positionSpanSQL + ` END AS base FROM head
), events AS MATERIALIZED (
	SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::int[], $11::text[])
		WITH ORDINALITY AS e(event_id, event_type, payload, metadata, occurred_at, version, tenant_id, ord)
), first AS (
	INSERT INTO pyfly_event_store
		(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position)
	SELECT e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, ''), base.base + $4 + e.ord
	FROM head, base, events AS e
	WHERE e.ord = 1 AND head.seq = $3 AND (head.seq = 0 OR head.pos < base.base + ` + positionSpanSQL + `)
	ON CONFLICT (aggregate_id, sequence) DO NOTHING
	RETURNING 1
), rest AS (
	INSERT INTO pyfly_event_store
		(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version, tenant_id, global_position)
	SELECT e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version, nullif(e.tenant_id, ''), base.base + $4 + e.ord
	FROM base, events AS e
	WHERE e.ord > 1 AND EXISTS (SELECT 1 FROM first)
	RETURNING 1
)` + pgAppendResult

// pgAppendResult is the row pgAppendSQL returns.
const pgAppendResult = `
SELECT coalesce(base.base, 0), head.seq, head.pos, (SELECT count(*) FROM first) + (SELECT count(*) FROM rest), coalesce(head.at_next, '')
FROM head, base`

// pgAppendRecordsSQL is pgAppendSQL that also writes the events' outbox records, as the outbox
// store's Enqueue would (see [OutboxStore.EnqueueWithAppend]), when the events went in: one
// statement and one round trip for both. Arguments: pgAppendSQL's, then $12 the outbox and $13
// the enqueue time.
var pgAppendRecordsSQL = strings.TrimSuffix(pgAppendSQL, pgAppendResult) + `, records AS (
	INSERT INTO pyfly_outbox (` + outboxInsertColumns + `)
	SELECT $12, e.event_id, $1, $2, $3 + e.ord, e.event_type, e.payload, e.metadata, e.occurred_at, e.version,
		nullif(e.tenant_id, ''), base.base + $4 + e.ord, $13::timestamptz
	FROM base, events AS e
	WHERE EXISTS (SELECT 1 FROM first)
	ORDER BY e.ord
	ON CONFLICT (outbox, event_id) DO NOTHING
)` + pgAppendResult

// pgHorizonSQL is the first position no reader may see yet: every transaction with an id below
// the snapshot's xmin has ended, so positions below xmin × span are final.
const pgHorizonSQL = `pg_snapshot_xmin(pg_current_snapshot())::text::bigint * ` + positionSpanSQL

// pgHeadPositionSQL is the highest position stored, visible or not.
const pgHeadPositionSQL = `SELECT coalesce((SELECT global_position FROM pyfly_event_store ORDER BY global_position DESC LIMIT 1), 0)`

func (postgresDialect) eventSQL() eventSQL {
	return eventSQL{
		load:     `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE aggregate_id = $1 AND sequence > $2 ORDER BY sequence`,
		loadSome: `SELECT ` + eventColumns + ` FROM pyfly_event_store WHERE aggregate_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
		latest:   `SELECT sequence FROM pyfly_event_store WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1`,
		// The cursor must be 0 or a position on the stream; when it is not, the page comes back
		// empty and ReadAll tells the two cases apart. The casts type the cursor in the simple
		// protocol too, where pgx writes it into the text and `$1 = 0` would read it as integer.
		readAll: `SELECT ` + eventColumns + ` FROM pyfly_event_store
WHERE global_position > $1::bigint AND global_position < ` + pgHorizonSQL + `
	AND ($1::bigint = 0 OR EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = $1::bigint))
ORDER BY global_position LIMIT $2`,
		positionExists: `SELECT EXISTS (SELECT 1 FROM pyfly_event_store WHERE global_position = $1)`,
		lastPosition: `SELECT coalesce((SELECT global_position FROM pyfly_event_store WHERE global_position < ` + pgHorizonSQL +
			` ORDER BY global_position DESC LIMIT 1), 0)`,
		headPosition: pgHeadPositionSQL,
	}
}

// singleWriter is false: PostgreSQL writers run side by side.
func (postgresDialect) singleWriter() bool { return false }

// prepareAppends does nothing: pgx caches the statements it prepares on each connection itself.
func (postgresDialect) prepareAppends(context.Context, *bun.DB) error { return nil }

// native reports whether the pgx path applies: the pool runs pgx's stdlib driver and the
// ambient transaction, if any, has its connection at hand.
func (d postgresDialect) native(st *txState) bool {
	return d.pgx && (st == nil || st.conn != nil)
}

// appendEvents runs pgAppendSQL: on pgx's native connection when it can (with COPY from
// pgCopyMinEvents events on), else through database/sql, in st's transaction or as a transaction
// of its own.
func (d postgresDialect) appendEvents(ctx context.Context, db *bun.DB, st *txState, b *batch) error {
	if d.native(st) {
		if len(b.eventIDs) >= cmp.Or(d.copyMin, pgCopyMinEvents) {
			b.records = nil // COPY writes the events alone; the outbox enqueues the records
			return d.appendCopy(ctx, db, st, b)
		}
		return d.appendPgx(ctx, db, st, b)
	}
	start, err := reserveOrdinals(st, len(b.eventIDs))
	if err != nil {
		return err
	}
	q, args := d.appendStatement(b, start-1)
	return d.appendOutcome(ctx, st, b, start, querierOf(st, db).QueryRowContext(ctx, q, args...).Scan)
}

// appendStatement returns the statement that appends b, with its arguments: pgAppendRecordsSQL
// when b also carries outbox records, else pgAppendSQL. ordinalBase is the first ordinal − 1.
func (d postgresDialect) appendStatement(b *batch, ordinalBase int64) (string, []any) {
	args := d.appendArgs(b, ordinalBase)
	if b.records == nil {
		return pgAppendSQL, args
	}
	var at any = b.records.at
	if !d.pgx {
		at = b.records.at.Format(time.RFC3339Nano)
	}
	return pgAppendRecordsSQL, append(args, b.records.outbox, at)
}

// queryEvents reads on pgx's native connection when it can, else through database/sql.
func (d postgresDialect) queryEvents(ctx context.Context, s *EventStore, st *txState, op string, sizeHint int, q string, args ...any) ([]es.Envelope, error) {
	if d.native(st) {
		return queryPgx(ctx, s, st, op, sizeHint, q, args...)
	}
	return queryEventsSQL(ctx, s, st, op, sizeHint, q, args...)
}

// appendOutcome reads pgAppendSQL's row through scan and tells why nothing was inserted; on
// success it sets b's first position (the events took ordinals from start on). Outside a
// transaction the statement commits on its own: an error after it was sent without an answer
// leaves the outcome unknown (es.ErrOutcomeUnknown).
func (d postgresDialect) appendOutcome(ctx context.Context, st *txState, b *batch, start int64, scan func(dest ...any) error) error {
	var base, lastSeq, lastPos, inserted int64
	var atNext string
	if err := scan(&base, &lastSeq, &lastPos, &inserted, &atNext); err != nil {
		if st == nil && d.outcomeUnknown(err) {
			return unknownOutcome(ctx, "append", b.aggregateID, err)
		}
		return mapAppendErr(ctx, b, "append", err)
	}
	if inserted == int64(len(b.eventIDs)) {
		b.firstPosition = base + start
		b.recordsWritten = b.records != nil
		return nil
	}
	if err := checkVersion(b, lastSeq, atNext); err != nil {
		return err
	}
	if err := checkOrder(b, base, lastSeq, lastPos); err != nil {
		return err
	}
	if inserted == 0 {
		return raced(b)
	}
	return fmt.Errorf("bunstore: append: inserted %d of %d events", inserted, len(b.eventIDs))
}

// raced is the refusal of an append that passed the version check but found its first sequence
// taken by a concurrent append that committed meanwhile: a conflict, or the original of this
// append when it is a retry racing it (settleRetry reads what was stored and tells).
func raced(b *batch) error {
	return &possibleRetry{
		cause:       &es.ConcurrencyError{AggregateID: b.aggregateID, AggregateType: b.aggregateType, Expected: b.expected, Actual: -1},
		aggregateID: b.aggregateID, aggregateType: b.aggregateType, expected: b.expected, txUsable: true,
	}
}

// checkOrder is the sequence-order guard: the aggregate's last event must come from a
// transaction that began writing before this one (base).
func checkOrder(b *batch, base, lastSeq, lastPos int64) error {
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

// appendArgs are pgAppendSQL's arguments. pgx binds Go slices as arrays; other drivers get
// PostgreSQL array literals, which the ::type[] casts read.
func (d postgresDialect) appendArgs(b *batch, ordinalBase int64) []any {
	if d.pgx {
		return []any{b.aggregateID, b.aggregateType, b.expected, ordinalBase,
			b.eventIDs, b.eventTypes, b.payloads, b.metadata, b.occurredAt, b.versions, b.tenants}
	}
	times := make([]string, len(b.occurredAt))
	versions := make([]string, len(b.versions))
	for i := range times {
		times[i] = b.occurredAt[i].Format(time.RFC3339Nano)
		versions[i] = strconv.Itoa(int(b.versions[i]))
	}
	return []any{b.aggregateID, b.aggregateType, b.expected, ordinalBase,
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
