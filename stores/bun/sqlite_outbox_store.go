package bunstore

import "strconv"

// sqliteOutboxLive is the condition of a record that is neither delivered nor dead; the partial
// indexes of the outbox table carry the same text, which SQLite needs to use them.
const sqliteOutboxLive = `delivered_at IS NULL AND dead = 0`

// sqliteClaimCandidates are the common table expressions that find the runs of each aggregate,
// see [outboxClaimCandidates]. Arguments: ?1 the outbox, ?2 now, ?3 the limit, ?6 the window,
// ?7 the most records per aggregate.
var sqliteClaimCandidates = outboxClaimCandidates(sqliteOutboxLive, "?1", "?2", "?3", "?6", "?7")

func (sqliteDialect) outboxSQL() outboxSQL {
	return outboxSQL{
		insert: `INSERT INTO pyfly_outbox (` + outboxInsertColumns + `) VALUES %s ON CONFLICT (outbox, event_id) DO NOTHING`,
		// One statement: SQLite runs one writer at a time, so no two claims see the same row free.
		claim: `UPDATE pyfly_outbox SET attempts = attempts + 1, claimed_by = ?4, claimed_until = ?5
WHERE seq IN (
	WITH RECURSIVE ` + sqliteClaimCandidates + `
	SELECT c.seq FROM cand c JOIN pyfly_outbox o ON o.seq = c.seq
	WHERE (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?2)
		AND (o.claimed_until IS NULL OR o.claimed_until <= ?2)
	ORDER BY c.seq
	LIMIT ?3)
RETURNING ` + outboxColumns,
		markDelivered: `UPDATE pyfly_outbox SET delivered_at = ?2, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id IN (%s) AND claimed_by = ?3 AND attempts = ?4 AND ` + sqliteOutboxLive,
		markFailed: `UPDATE pyfly_outbox SET last_error = ?5, last_attempt_at = ?6, next_attempt_at = ?7, dead = ?8,
	claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND claimed_by = ?3 AND attempts = ?4 AND ` + sqliteOutboxLive,
		release: `UPDATE pyfly_outbox SET attempts = attempts - 1, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id IN (%s) AND claimed_by = ?2 AND attempts = ?3 AND ` + sqliteOutboxLive,
		pending:     `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = ?1 AND ` + sqliteOutboxLive + ` ORDER BY seq LIMIT ?2`,
		deadLetters: `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = ?1 AND dead = 1 ORDER BY last_attempt_at DESC, seq DESC LIMIT ?2`,
		retry: `UPDATE pyfly_outbox SET dead = 0, attempts = 0, next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND dead = 1`,
		prune: `DELETE FROM pyfly_outbox WHERE seq IN (
	SELECT seq FROM pyfly_outbox WHERE outbox = ?1 AND delivered_at < ?2 LIMIT ?3)`,
		bury: `UPDATE pyfly_outbox SET attempts = attempts - 1, dead = 1, last_error = ?5, last_attempt_at = ?6,
	next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = ?1 AND event_id = ?2 AND claimed_by = ?3 AND attempts = ?4 AND ` + sqliteOutboxLive,
		arg: func(i int) string { return "?" + strconv.Itoa(i) },
	}
}

// outboxStmts is the dialect's statement cache, shared with the store's other statements.
func (d sqliteDialect) outboxStmts() *stmtCache { return d.stmts }
