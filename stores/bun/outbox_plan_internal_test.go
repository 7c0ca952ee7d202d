package bunstore

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// A relay's marks, deletes and releases on PostgreSQL find their records by key, one probe each, also in a
// table that was never analyzed (autovacuum had no time yet) and under the generic plan a cached
// statement switches to: they used to walk every live record of the outbox, filtered by id, in
// every mark (20,000 records waiting: 19,800 rows thrown away to mark 200).
func TestPostgresClaimedRecordsFoundByKeyWithoutStatistics(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.Start(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, Prepare(ctx, db, true))
	store, err := NewOutboxStore(db)
	require.NoError(t, err)
	const aggregates, perAggregate = 500, 10
	at := time.Now()
	for a := range aggregates {
		envs := make([]es.Envelope, perAggregate)
		for i := range envs {
			envs[i] = es.Envelope{EventID: fmt.Sprintf("ev-%04d-%02d", a, i), AggregateID: fmt.Sprintf("agg-%04d", a),
				AggregateType: "Account", Sequence: int64(i + 1), EventType: "Opened", Payload: []byte(`{}`),
				OccurredAt: at.UTC().Truncate(time.Microsecond), Version: 1}
		}
		require.NoError(t, store.Enqueue(ctx, "ob", envs, at))
	}
	recs, err := store.Claim(ctx, outbox.ClaimRequest{Outbox: "ob", Owner: "me", Limit: 20, PerAggregate: 20, Now: at, Until: at.Add(time.Minute)})
	require.NoError(t, err)
	require.Len(t, recs, 20)
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = "'" + r.ID + "'"
	}
	list := "ARRAY[" + strings.Join(ids, ",") + "]"
	stmts := postgresDialect{pgx: true}.outboxSQL(true)
	removed := regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
	for _, tc := range []struct{ name, sql, args string }{
		{"mark delivered", stmts.markDelivered, "'ob', now(), 'me', 1, " + list},
		{"release", stmts.release, "'ob', 'me', 1, " + list},
		{"delete delivered", stmts.deleteDelivered, "'ob', 'me', 1, " + list},
		{"mark failed", stmts.markFailed, "'ob', " + ids[0] + ", 'me', 1, 'broker down', now(), now(), false"},
		{"bury", stmts.bury, "'ob', " + ids[0] + ", 'me', 1, 'undecodable', now()"},
	} {
		for _, mode := range []string{"auto", "force_generic_plan"} {
			conn, err := db.Conn(ctx)
			require.NoError(t, err)
			for _, q := range []string{"BEGIN", "SET LOCAL plan_cache_mode = " + mode, "PREPARE p AS " + tc.sql} {
				_, err := conn.ExecContext(ctx, q)
				require.NoError(t, err, q)
			}
			rows, err := conn.QueryContext(ctx, "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE p("+tc.args+")")
			require.NoError(t, err)
			var plan []string
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan = append(plan, line)
			}
			require.NoError(t, rows.Err())
			_, err = conn.ExecContext(ctx, "ROLLBACK")
			require.NoError(t, err)
			_, err = conn.ExecContext(ctx, "DEALLOCATE p")
			require.NoError(t, err)
			require.NoError(t, conn.Close())
			text := strings.Join(plan, "\n")
			for _, m := range removed.FindAllStringSubmatch(text, -1) {
				n, err := strconv.Atoi(m[1])
				require.NoError(t, err)
				require.LessOrEqual(t, n, len(recs), "%s (%s) reads past the records it changes:\n%s", tc.name, mode, text)
			}
		}
	}
}
