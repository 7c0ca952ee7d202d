package bunstore

import "strconv"

// live is the condition of a record that is neither delivered nor dead; the partial indexes of
// the outbox table carry the same text.
const pgOutboxLive = `delivered_at IS NULL AND NOT dead`

// pgClaimCandidates are the common table expressions that find the runs of each aggregate (its
// earliest records neither delivered nor dead), see [outboxClaimCandidates]. Arguments: $1 the
// outbox, $2 now, $3 the limit, $6 the window, $7 the most records per aggregate.
var pgClaimCandidates = outboxClaimCandidates(pgOutboxLive, "$1", "$2", "$3", "$6", "$7")

func (postgresDialect) outboxSQL() outboxSQL {
	return outboxSQL{
		insert: `INSERT INTO pyfly_outbox (` + outboxInsertColumns + `) VALUES %s ON CONFLICT (outbox, event_id) DO NOTHING`,
		// locked takes the candidates in enqueue order, skipping rows another claim holds and
		// checking again, on the row's latest version, that each is still due; runs then keeps of
		// each aggregate the records before the first candidate locked fails to take, so a run
		// never goes past a record held elsewhere.
		claim: `WITH RECURSIVE ` + pgClaimCandidates + `,
locked AS (
	SELECT o.seq FROM pyfly_outbox o
	WHERE o.seq = ANY (ARRAY(SELECT seq FROM cand)) AND o.outbox = $1 AND o.` + pgOutboxLive + `
		AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $2)
		AND (o.claimed_until IS NULL OR o.claimed_until <= $2)
	ORDER BY o.seq
	LIMIT $3
	FOR UPDATE OF o SKIP LOCKED
),
runs AS (
	SELECT seq FROM (
		SELECT c.seq, c.rk, min(CASE WHEN l.seq IS NULL THEN c.rk END) OVER (PARTITION BY c.aggregate_id) AS brk
		FROM cand c LEFT JOIN locked l ON l.seq = c.seq
	) AS m
	WHERE brk IS NULL OR rk < brk
)
UPDATE pyfly_outbox o SET attempts = o.attempts + 1, claimed_by = $4, claimed_until = $5
FROM runs WHERE o.seq = runs.seq
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
		bury: `UPDATE pyfly_outbox SET attempts = attempts - 1, dead = TRUE, last_error = $5, last_attempt_at = $6,
	next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL
WHERE outbox = $1 AND event_id = $2 AND claimed_by = $3 AND attempts = $4 AND ` + pgOutboxLive,
		arg: func(i int) string { return "$" + strconv.Itoa(i) },
	}
}

// outboxStmts is nil: pgx caches the statements it prepares on each connection itself.
func (postgresDialect) outboxStmts() *stmtCache { return nil }
