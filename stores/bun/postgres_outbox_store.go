package bunstore

import (
	"strconv"
	"time"
)

// live is the condition of a record that is neither delivered nor dead; the partial indexes of
// the outbox table carry the same text.
const pgOutboxLive = `delivered_at IS NULL AND NOT dead`

// pgClaimCandidates are the common table expressions that find the runs of each aggregate (its
// earliest records neither delivered nor dead), see [outboxClaimCandidates]. Arguments: $1 the
// outbox, $2 now, $3 the limit, $6 the window, $7 the most records per aggregate.
var pgClaimCandidates = outboxClaimCandidates(pgOutboxLive, "", "$1", "$2", "$3", "$6", "$7")

// pgClaimHoldCandidates are pgClaimCandidates without the records behind a dead one.
var pgClaimHoldCandidates = outboxClaimCandidates(pgOutboxLive, "d.dead", "$1", "$2", "$3", "$6", "$7")

// pgOwnCommit is added to the conditions of the statements the outbox store runs in transactions
// of its own (the relay's claims and marks): their commit then does not wait for the disk
// (synchronous_commit off for that transaction alone). Commits reach the disk in the order they
// happened, and one that waits (every business transaction's) takes all before it along, so a
// crash can lose only the last of these bookkeeping commits, never an event or a record: a lost
// claim leaves its records due again, a lost mark publishes them again, and a lost failure
// forgets one attempt, all of which at-least-once delivery and the brokers' de-duplication on
// the event id absorb. Every row a statement writes passed the condition, so the setting holds at
// its commit; a statement that writes nothing has nothing to commit.
const pgOwnCommit = ` AND set_config('synchronous_commit', 'off', true) IS NOT NULL`

// pgOutboxInsertSQL inserts the rows of one Enqueue from arrays, in their order (the seq
// column numbers them in enqueue order), skipping rows whose (outbox, event_id) is stored: one
// text for every batch size. Arguments: $1 the outbox, $2 the enqueue time, $3..$13 the columns.
const pgOutboxInsertSQL = `INSERT INTO pyfly_outbox (` + outboxInsertColumns + `)
SELECT $1, e.event_id, e.aggregate_id, e.aggregate_type, e.sequence, e.event_type, e.payload, e.metadata, e.occurred_at,
	e.version, nullif(e.tenant_id, ''), e.global_position, $2::timestamptz
FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::timestamptz[],
	$11::int[], $12::text[], $13::bigint[])
	WITH ORDINALITY AS e(event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at,
		version, tenant_id, global_position, ord)
ORDER BY e.ord
ON CONFLICT (outbox, event_id) DO NOTHING`

func (postgresDialect) outboxSQL(own bool) outboxSQL {
	commit := ""
	if own {
		commit = pgOwnCommit
	}
	return outboxSQL{
		claim:     pgClaim(pgClaimCandidates, commit, ""),
		claimHold: pgClaim(pgClaimHoldCandidates, commit, " WHERE seq IS NOT NULL"),
		markDelivered: `UPDATE pyfly_outbox o SET delivered_at = $2, claimed_by = NULL, claimed_until = NULL
` + pgClaimedIDs("$3", "$4", "$5::text[]") + commit,
		markFailed: `UPDATE pyfly_outbox o SET last_error = $5, last_attempt_at = $6, next_attempt_at = $7, dead = $8,
	claimed_by = NULL, claimed_until = NULL
` + pgClaimedIDs("$3", "$4", "ARRAY[$2::text]") + commit,
		release: `UPDATE pyfly_outbox o SET attempts = o.attempts - 1, claimed_by = NULL, claimed_until = NULL
` + pgClaimedIDs("$2", "$3", "$4::text[]") + commit,
		deleteDelivered: `DELETE FROM pyfly_outbox o
` + pgClaimedIDs("$2", "$3", "$4::text[]") + commit,
		pending:     `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = $1 AND ` + pgOutboxLive + ` ORDER BY seq LIMIT $2`,
		deadLetters: `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = $1 AND dead ORDER BY last_attempt_at DESC, seq DESC LIMIT $2`,
		retry: `UPDATE pyfly_outbox SET dead = FALSE, attempts = 0, next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = $1 AND event_id = $2 AND dead`,
		prune: `DELETE FROM pyfly_outbox WHERE seq IN (
	SELECT seq FROM pyfly_outbox WHERE outbox = $1 AND delivered_at < $2 LIMIT $3)`,
		bury: `UPDATE pyfly_outbox o SET attempts = o.attempts - 1, dead = TRUE, last_error = $5, last_attempt_at = $6,
	next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
` + pgClaimedIDs("$3", "$4", "ARRAY[$2::text]") + commit,
	}
}

// pgClaimedIDs is the WHERE of a statement that changes the live records of outbox $1 whose
// event ids are in ids (an expression of type text[]), held by owner with attempt as their
// attempt count (row o).
//
// It is written so that its plan does not depend on the table's statistics. With none (a table
// autovacuum has not analyzed yet, such as one a backlog filled within the last minute), ids
// compared with ANY next to the live condition were planned as a walk of a partial index of live
// records, every live record of the outbox filtered by id, in every mark: 10 ms a mark of 200
// with 20,000 records waiting, growing with them. Here each id is looked up on its own through
// the (outbox, event_id) key (the LIMIT keeps the planner from joining the list to the table as a
// whole), the rows are then taken by their seq through the primary key, and the live condition
// is spelled so that no partial index can be chosen for it (dead is never NULL, so "IS NOT TRUE"
// is "NOT"). The conditions are on o, so a row another transaction changed meanwhile is checked
// again on its latest version.
func pgClaimedIDs(owner, attempt, ids string) string {
	return `WHERE o.seq = ANY (ARRAY(
	SELECT l.seq FROM unnest(` + ids + `) AS k(event_id) CROSS JOIN LATERAL (
		SELECT r.seq FROM pyfly_outbox r WHERE r.outbox = $1 AND r.event_id = k.event_id LIMIT 1
	) AS l))
	AND o.claimed_by = ` + owner + ` AND o.attempts = ` + attempt + ` AND o.delivered_at IS NULL AND o.dead IS NOT TRUE`
}

// pgClaim claims the due records among candidates (see outboxSQL.claim); commit is pgOwnCommit
// or "", where a condition on the candidates.
//
// picked is the first candidates in enqueue order, up to the limit (which keeps the beginning of
// each run); locked takes each by its key (with its outbox and aggregate, so that under a generic
// plan either index that can find it finds it in one probe: the live-per-aggregate index probed
// by outbox and seq alone walks every live record of the outbox, once per candidate), skipping a
// row another claim holds and checking again, on the row's latest version, that it is still due;
// runs then keeps of each aggregate the records before the first one locked did not take, so a
// run never goes past a record held elsewhere.
func pgClaim(candidates, commit, where string) string {
	return `WITH RECURSIVE ` + candidates + `,
picked AS (
	SELECT seq, aggregate_id, rk FROM cand` + where + ` ORDER BY seq LIMIT $3
),
locked AS (
	SELECT l.seq FROM picked p CROSS JOIN LATERAL (
		SELECT o.seq FROM pyfly_outbox o
		WHERE o.seq = p.seq AND o.outbox = $1 AND o.aggregate_id = p.aggregate_id AND o.` + pgOutboxLive + `
			AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $2)
			AND (o.claimed_until IS NULL OR o.claimed_until <= $2)` + commit + `
		FOR UPDATE OF o SKIP LOCKED
	) AS l
),
runs AS (
	SELECT seq FROM (
		SELECT p.seq, count(*) FILTER (WHERE l.seq IS NULL) OVER (PARTITION BY p.aggregate_id ORDER BY p.rk) AS held
		FROM picked p LEFT JOIN locked l ON l.seq = p.seq
	) AS m
	WHERE held = 0
)
UPDATE pyfly_outbox o SET attempts = o.attempts + 1, claimed_by = $4, claimed_until = $5
FROM runs WHERE o.seq = runs.seq
RETURNING ` + claimedColumns("o")
}

// outboxStmts is nil: pgx caches the statements it prepares on each connection itself.
func (postgresDialect) outboxStmts() *stmtCache { return nil }

// outboxInserts is pgOutboxInsertSQL over all rows. pgx binds Go slices as arrays; other
// drivers get PostgreSQL array literals, which the ::type[] casts read.
func (d postgresDialect) outboxInserts(r *outboxRows) []statement {
	args := []any{r.outbox, r.created.Format(time.RFC3339Nano)}
	if d.pgx {
		args = append(args, r.eventIDs, r.aggregateIDs, r.aggregateTypes, r.sequences, r.eventTypes, r.payloads, r.metadata,
			r.occurredAt, r.versions, r.tenants, r.positions)
	} else {
		n := len(r.eventIDs)
		times, versions, sequences, positions := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i := range n {
			times[i] = r.occurredAt[i].Format(time.RFC3339Nano)
			versions[i] = strconv.Itoa(int(r.versions[i]))
			sequences[i] = strconv.FormatInt(r.sequences[i], 10)
			positions[i] = strconv.FormatInt(r.positions[i], 10)
		}
		args = append(args, arrayLiteral(r.eventIDs), arrayLiteral(r.aggregateIDs), arrayLiteral(r.aggregateTypes),
			arrayLiteral(sequences), arrayLiteral(r.eventTypes), arrayLiteral(r.payloads), arrayLiteral(r.metadata),
			arrayLiteral(times), arrayLiteral(versions), arrayLiteral(r.tenants), arrayLiteral(positions))
	}
	return []statement{{text: pgOutboxInsertSQL, args: args}}
}

// outboxInsertTexts is nil: nothing to prepare ahead (see outboxStmts).
func (postgresDialect) outboxInsertTexts() []string { return nil }

// idList binds ids as a text array: a Go slice for pgx, an array literal for other drivers.
func (d postgresDialect) idList(ids []string) any {
	if d.pgx {
		return ids
	}
	return arrayLiteral(ids)
}

// pgRequeueSQL is requeueSQL on PostgreSQL, whose seq is an identity column: its next value is
// last.
var pgRequeueSQL = requeueSQL{
	lock: `LOCK TABLE pyfly_outbox IN SHARE ROW EXCLUSIVE MODE`,
	behind: `WITH d AS (SELECT aggregate_id, MIN(seq) AS seq FROM pyfly_outbox
	WHERE outbox = $1 AND event_id = ANY ($2::text[]) AND dead GROUP BY aggregate_id)
SELECT o.seq FROM d JOIN pyfly_outbox o ON o.outbox = $1 AND o.aggregate_id = d.aggregate_id AND o.seq > d.seq
WHERE o.delivered_at IS NULL AND (NOT o.dead OR NOT (o.event_id = ANY ($2::text[])))
ORDER BY 1`,
	drop: `DELETE FROM pyfly_outbox WHERE outbox = $1 AND event_id = ANY ($2::text[])
	AND (delivered_at IS NOT NULL OR dead)`,
	move: `UPDATE pyfly_outbox SET seq = DEFAULT WHERE seq = $1`,
}

// requeueSQL implements outboxDialect.
func (postgresDialect) requeueSQL() requeueSQL { return pgRequeueSQL }
