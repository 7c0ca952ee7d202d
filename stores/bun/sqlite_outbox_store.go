package bunstore

import (
	"encoding/json"
	"strings"
)

// sqliteOutboxLive is the condition of a record that is neither delivered nor dead; the partial
// indexes of the outbox table carry the same text, which SQLite needs to use them.
const sqliteOutboxLive = `delivered_at IS NULL AND dead = 0`

// sqliteClaimCandidates are the common table expressions that find the runs of each aggregate,
// see [outboxClaimCandidates]. Arguments: ?1 the outbox, ?2 now, ?3 the limit, ?6 the window,
// ?7 the most records per aggregate.
var sqliteClaimCandidates = outboxClaimCandidates(sqliteOutboxLive, "", "?1", "?2", "?3", "?6", "?7")

// sqliteClaimHoldCandidates are sqliteClaimCandidates without the records behind a dead one.
var sqliteClaimHoldCandidates = outboxClaimCandidates(sqliteOutboxLive, "d.dead = 1", "?1", "?2", "?3", "?6", "?7")

// sqliteClaim claims the due records among candidates (see outboxSQL.claim).
func sqliteClaim(candidates string) string {
	// One statement: SQLite runs one writer at a time, so no two claims see the same row free.
	return `UPDATE pyfly_outbox SET attempts = attempts + 1, claimed_by = ?4, claimed_until = ?5
WHERE seq IN (
	WITH RECURSIVE ` + candidates + `
	SELECT c.seq FROM cand c JOIN pyfly_outbox o ON o.seq = c.seq
	WHERE (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?2)
		AND (o.claimed_until IS NULL OR o.claimed_until <= ?2)
	ORDER BY c.seq
	LIMIT ?3)
RETURNING ` + claimedColumns("pyfly_outbox")
}

// sqliteOutboxMaxRows is the most rows one outbox INSERT writes: an Enqueue's rows go in chunks
// of powers of two up to it, so a store prepares at most seven INSERT texts.
const sqliteOutboxMaxRows = 64

// sqliteOutboxInsertTexts holds the INSERT of 1, 2, 4, … sqliteOutboxMaxRows rows, each
// skipping rows whose (outbox, event_id) is stored.
var sqliteOutboxInsertTexts = func() map[int]string {
	m := map[int]string{}
	row := "(" + strings.Repeat("?,", outboxInsertWidth-1) + "?)"
	for rows := 1; rows <= sqliteOutboxMaxRows; rows *= 2 {
		m[rows] = `INSERT INTO pyfly_outbox (` + outboxInsertColumns + `) VALUES ` +
			strings.Repeat(row+",", rows-1) + row + ` ON CONFLICT (outbox, event_id) DO NOTHING`
	}
	return m
}()

// The statements are the same in the store's own transactions and in the caller's: SQLite
// commits in WAL mode without waiting for the disk already (synchronous=NORMAL).
func (sqliteDialect) outboxSQL(bool) outboxSQL {
	return outboxSQL{
		claim:     sqliteClaim(sqliteClaimCandidates),
		claimHold: sqliteClaim(sqliteClaimHoldCandidates),
		markDelivered: `UPDATE pyfly_outbox SET delivered_at = ?2, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id IN (SELECT value FROM json_each(?5)) AND claimed_by = ?3 AND attempts = ?4 AND ` + sqliteOutboxLive,
		markFailed: `UPDATE pyfly_outbox SET last_error = ?5, last_attempt_at = ?6, next_attempt_at = ?7, dead = ?8,
	claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND claimed_by = ?3 AND attempts = ?4 AND ` + sqliteOutboxLive,
		release: `UPDATE pyfly_outbox SET attempts = attempts - 1, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id IN (SELECT value FROM json_each(?4)) AND claimed_by = ?2 AND attempts = ?3 AND ` + sqliteOutboxLive,
		deleteDelivered: `DELETE FROM pyfly_outbox
WHERE outbox = ?1 AND event_id IN (SELECT value FROM json_each(?4)) AND claimed_by = ?2 AND attempts = ?3 AND ` + sqliteOutboxLive,
		pending:     `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = ?1 AND ` + sqliteOutboxLive + ` ORDER BY seq LIMIT ?2`,
		deadLetters: `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = ?1 AND dead = 1 ORDER BY last_attempt_at DESC, seq DESC LIMIT ?2`,
		retry: `UPDATE pyfly_outbox SET dead = 0, attempts = 0, next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND dead = 1`,
		prune: `DELETE FROM pyfly_outbox WHERE seq IN (
	SELECT seq FROM pyfly_outbox WHERE outbox = ?1 AND delivered_at < ?2 LIMIT ?3)`,
		bury: `UPDATE pyfly_outbox SET attempts = attempts - 1, dead = 1, last_error = ?5, last_attempt_at = ?6,
	next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND claimed_by = ?3 AND attempts = ?4 AND ` + sqliteOutboxLive,
	}
}

// outboxStmts is the dialect's statement cache, shared with the store's other statements.
func (d sqliteDialect) outboxStmts() *stmtCache { return d.stmts }

// outboxInserts cuts the rows into INSERTs of sqliteOutboxInsertTexts, the largest first.
func (d sqliteDialect) outboxInserts(r *outboxRows) []statement {
	created := d.timeArg(r.created)
	var out []statement
	for from := 0; from < len(r.eventIDs); {
		rows := sqliteOutboxMaxRows
		for rows > len(r.eventIDs)-from {
			rows /= 2
		}
		args := make([]any, 0, rows*outboxInsertWidth)
		for i := from; i < from+rows; i++ {
			var tenant any
			if r.tenants[i] != "" {
				tenant = r.tenants[i]
			}
			args = append(args, r.outbox, r.eventIDs[i], r.aggregateIDs[i], r.aggregateTypes[i], r.sequences[i], r.eventTypes[i],
				r.payloads[i], r.metadata[i], d.timeArg(r.occurredAt[i]), int64(r.versions[i]), tenant, r.positions[i], created)
		}
		out = append(out, statement{text: sqliteOutboxInsertTexts[rows], args: args})
		from += rows
	}
	return out
}

// outboxInsertTexts are the INSERT texts, to prepare them ahead.
func (sqliteDialect) outboxInsertTexts() []string {
	texts := make([]string, 0, len(sqliteOutboxInsertTexts))
	for rows := 1; rows <= sqliteOutboxMaxRows; rows *= 2 {
		texts = append(texts, sqliteOutboxInsertTexts[rows])
	}
	return texts
}

// idList binds ids as a JSON array, which json_each reads.
func (sqliteDialect) idList(ids []string) any {
	b, _ := json.Marshal(ids) // strings always encode
	return string(b)
}

// sqliteRequeueSQL is requeueSQL on SQLite, whose seq is the rowid: max(seq) + 1 is last. The
// conditions of behind carry the texts of the partial indexes on (outbox, aggregate_id, seq).
var sqliteRequeueSQL = requeueSQL{
	behind: `WITH d AS (SELECT aggregate_id, MIN(seq) AS seq FROM pyfly_outbox
	WHERE outbox = ?1 AND event_id IN (SELECT value FROM json_each(?2)) AND dead = 1 GROUP BY aggregate_id)
SELECT o.seq FROM d JOIN pyfly_outbox o ON o.outbox = ?1 AND o.aggregate_id = d.aggregate_id AND o.seq > d.seq
WHERE o.delivered_at IS NULL AND (o.dead = 0 OR o.event_id NOT IN (SELECT value FROM json_each(?2)))
ORDER BY 1`,
	drop: `DELETE FROM pyfly_outbox WHERE outbox = ?1 AND event_id IN (SELECT value FROM json_each(?2))
	AND (delivered_at IS NOT NULL OR dead = 1)`,
	move: `UPDATE pyfly_outbox SET seq = (SELECT MAX(seq) + 1 FROM pyfly_outbox) WHERE seq = ?1`,
}

// requeueSQL implements outboxDialect.
func (sqliteDialect) requeueSQL() requeueSQL { return sqliteRequeueSQL }
