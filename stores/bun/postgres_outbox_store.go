package bunstore

import "strconv"

// live is the condition of a record that is neither delivered nor dead; the partial indexes of
// the outbox table carry the same text.
const pgOutboxLive = `delivered_at IS NULL AND NOT dead`

// pgClaimCandidates are the common table expressions that find the head of each aggregate (its
// earliest record neither delivered nor dead), see [outboxClaimCandidates]. Arguments: $1 the
// outbox, $2 now, $3 the limit, $6 the window.
var pgClaimCandidates = outboxClaimCandidates(pgOutboxLive, "$1", "$2", "$3", "$6")

func (postgresDialect) outboxSQL() outboxSQL {
	return outboxSQL{
		insert: `INSERT INTO pyfly_outbox (` + outboxInsertColumns + `) VALUES %s ON CONFLICT (outbox, event_id) DO NOTHING`,
		claim: `WITH RECURSIVE ` + pgClaimCandidates + `,
due AS (
	SELECT o.seq FROM pyfly_outbox o
	WHERE o.seq = ANY (ARRAY(SELECT seq FROM heads)) AND o.outbox = $1 AND o.` + pgOutboxLive + `
		AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $2)
		AND (o.claimed_until IS NULL OR o.claimed_until <= $2)
	ORDER BY o.seq
	LIMIT $3
	FOR UPDATE OF o SKIP LOCKED
)
UPDATE pyfly_outbox o SET attempts = o.attempts + 1, claimed_by = $4, claimed_until = $5
FROM due WHERE o.seq = due.seq
RETURNING ` + prefixed("o.", outboxColumns),
		markDelivered: `UPDATE pyfly_outbox SET delivered_at = $2, claimed_by = NULL, claimed_until = NULL
WHERE outbox = $1 AND event_id IN (%s) AND claimed_by = $3 AND attempts = $4 AND ` + pgOutboxLive,
		markFailed: `UPDATE pyfly_outbox SET last_error = $5, last_attempt_at = $6, next_attempt_at = $7, dead = $8,
	claimed_by = NULL, claimed_until = NULL
WHERE outbox = $1 AND event_id = $2 AND claimed_by = $3 AND attempts = $4 AND ` + pgOutboxLive,
		release: `UPDATE pyfly_outbox SET attempts = attempts - 1, claimed_by = NULL, claimed_until = NULL
WHERE outbox = $1 AND event_id IN (%s) AND claimed_by = $2 AND attempts = $3 AND ` + pgOutboxLive,
		pending:     `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = $1 AND ` + pgOutboxLive + ` ORDER BY seq LIMIT $2`,
		deadLetters: `SELECT ` + outboxColumns + ` FROM pyfly_outbox WHERE outbox = $1 AND dead ORDER BY last_attempt_at DESC, seq DESC LIMIT $2`,
		retry: `UPDATE pyfly_outbox SET dead = FALSE, attempts = 0, next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = $1 AND event_id = $2 AND dead`,
		prune: `DELETE FROM pyfly_outbox WHERE seq IN (
	SELECT seq FROM pyfly_outbox WHERE outbox = $1 AND delivered_at < $2 LIMIT $3)`,
		arg: func(i int) string { return "$" + strconv.Itoa(i) },
	}
}

// outboxStmts is nil: pgx caches the statements it prepares on each connection itself.
func (postgresDialect) outboxStmts() *stmtCache { return nil }
