package bunstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// seedInsert is the INSERT of pyfly's first generation (SqlAlchemyEventStore.append), word for
// word but for its placeholders: it knows nothing of global_position or recorded_at.
const seedInsert = `
                            INSERT INTO pyfly_event_store
                                (event_id, aggregate_id, aggregate_type, sequence,
                                 event_type, payload, metadata, occurred_at, version, tenant_id)
                            VALUES (:eid, :aid, :atype, :seq, :etype, :payload, :meta, :occurred, :ver, :tenant)
                            `

// seedVersion is the version check that precedes it, in the same transaction.
const seedVersion = `SELECT COALESCE(MAX(sequence), 0) FROM pyfly_event_store WHERE aggregate_id = :aid`

// placeholders writes pyfly's :name parameters as the driver's: $1, $2, … on PostgreSQL; SQLite
// reads :name itself.
func placeholders(pg bool, q string) string {
	if !pg {
		return q
	}
	for i, name := range []string{":eid", ":aid", ":atype", ":seq", ":etype", ":payload", ":meta", ":occurred", ":ver", ":tenant"} {
		q = strings.ReplaceAll(q, name, fmt.Sprintf("$%d", i+1))
	}
	return q
}

// pyflyToJSON is to_json for the ASCII values of these tests: its keys in its order, Python's
// separators, occurred_at in isoformat.
func pyflyToJSON(id, aggregateID string, seq int64, eventType, payload, metadata string, occurred time.Time) string {
	q := func(s string) string { return string(must(json.Marshal(s))) }
	iso := occurred.UTC().Format("2006-01-02T15:04:05")
	if us := occurred.Nanosecond() / 1000; us != 0 {
		iso += fmt.Sprintf(".%06d", us)
	}
	return fmt.Sprintf(`{"event_id": %s, "aggregate_id": %s, "aggregate_type": "Order", "sequence": %d, "event_type": %s, `+
		`"payload": %s, "metadata": %s, "occurred_at": "%s+00:00", "version": 1, "tenant_id": null}`,
		q(id), q(aggregateID), seq, q(eventType), payload, metadata, iso)
}

// pyflyAppend appends n events to aggregateID at version expected as pyfly's first generation
// does, on db (a pool of its own): one transaction, the version check, then the seed's INSERT per
// event, with metadata '{}' and the envelope in payload. It returns the events' ids.
func pyflyAppend(ctx context.Context, db *sql.DB, pg bool, aggregateID string, expected int64, n int) ([]string, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var latest int64
	version, arg := seedVersion, any(sql.Named("aid", aggregateID))
	if pg {
		version, arg = strings.ReplaceAll(seedVersion, ":aid", "$1"), aggregateID
	}
	if err := tx.QueryRowContext(ctx, version, arg).Scan(&latest); err != nil {
		return nil, err
	}
	if latest != expected {
		return nil, fmt.Errorf("expected version %d, found %d", expected, latest)
	}
	var ids []string
	for i := 1; i <= n; i++ {
		id, seq := uuid.NewString(), expected+int64(i)
		occurred := time.Now().UTC().Truncate(time.Microsecond)
		payload := pyflyToJSON(id, aggregateID, seq, "PyfliedEvent", fmt.Sprintf(`{"n": %d}`, seq), `{"writer": "pyfly"}`, occurred)
		var at any = occurred
		if !pg {
			at = occurred.Format("2006-01-02 15:04:05.000000-07:00") // sqlite3's text of an aware datetime
		}
		values := []any{id, aggregateID, "Order", seq, "PyfliedEvent", payload, "{}", at, 1, nil}
		if !pg {
			for j, name := range []string{"eid", "aid", "atype", "seq", "etype", "payload", "meta", "occurred", "ver", "tenant"} {
				values[j] = sql.Named(name, values[j])
			}
		}
		if _, err := tx.ExecContext(ctx, placeholders(pg, seedInsert), values...); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, tx.Commit()
}

// commitSpan is one writer transaction: the clock before it began and after it committed, and
// its events.
type commitSpan struct {
	begin, end int64
	ids        []string
}

// After adoption, a pyfly service of the seed's generation keeps inserting with its own INSERT
// from other connections while Go appends run and a reader polls the stream: the database gives
// pyfly's rows their positions, and the reader sees every event once, in position order, never
// skipping one that committed while it polled; a transaction that committed before another began
// is before it on the stream; each aggregate's events are in sequence order; pyfly's rows decode
// as the events pyfly wrote.
func TestPyflyWritersLiveSideBySide(t *testing.T) {
	for _, b := range fileBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			pg := b.name == "postgres"
			url := b.url(t)
			db := openUnmigrated(t, url)
			pyflyFixture(t, db, "a")
			require.NoError(t, bunstore.Prepare(ctx, db, true))
			store := newEventStore(t, db)
			pyDB := openUnmigrated(t, url).DB // pyfly's own pool
			before := readAll(t, store)

			const writers, txs = 3, 25
			var (
				clock atomic.Int64
				mu    sync.Mutex
				spans []commitSpan
				wg    sync.WaitGroup
				fail  = make(chan error, 2*writers)
			)
			record := func(begin int64, ids []string) {
				end := clock.Add(1)
				mu.Lock()
				spans = append(spans, commitSpan{begin: begin, end: end, ids: ids})
				mu.Unlock()
			}
			for w := range writers {
				wg.Add(2)
				go func() { // Go appends
					defer wg.Done()
					id := fmt.Sprintf("go-%d", w)
					for i := range txs {
						events := goEvents(t, 1+i%2)
						begin := clock.Add(1)
						if err := store.Append(ctx, id, "Order", latest(ctx, store, id), events); err != nil {
							fail <- err
							return
						}
						record(begin, ids(events))
					}
				}()
				go func() { // pyfly's INSERTs
					defer wg.Done()
					id := fmt.Sprintf("py-%d", w)
					version := int64(0)
					for i := range txs {
						begin := clock.Add(1)
						written, err := pyflyAppend(ctx, pyDB, pg, id, version, 1+i%2)
						if err != nil {
							fail <- err
							return
						}
						version += int64(len(written))
						record(begin, written)
					}
				}()
			}
			total := len(before)
			for i := range txs {
				total += 2 * writers * (1 + i%2) // Go's and pyfly's: 1, 2, 1, 2, … events per transaction
			}

			// The reader polls from the start while the writers run.
			var seen []es.Envelope
			after := int64(0)
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			for len(seen) < total {
				select {
				case err := <-fail:
					t.Fatalf("a writer failed: %v", err)
				case <-ctx.Done():
					t.Fatalf("the reader saw %d of %d events: it skipped some", len(seen), total)
				default:
				}
				page, err := store.ReadAll(ctx, after, 7)
				require.NoError(t, err)
				if len(page) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				seen = append(seen, page...)
				after = page[len(page)-1].GlobalPosition
			}
			<-done
			close(fail)
			for err := range fail {
				require.NoError(t, err)
			}

			// Once each, in position order, nothing after the last.
			extra, err := store.ReadAll(ctx, after, 10)
			require.NoError(t, err)
			require.Empty(t, extra)
			require.Len(t, seen, total)
			pos := map[string]int64{}
			for i, e := range seen {
				require.NotContains(t, pos, e.EventID, "seen twice")
				pos[e.EventID] = e.GlobalPosition
				if i > 0 {
					require.Less(t, seen[i-1].GlobalPosition, e.GlobalPosition)
				}
				if !pg {
					require.Equal(t, int64(i+1), e.GlobalPosition, "SQLite positions stay dense")
				}
			}
			require.Equal(t, ids(readAll(t, store)), ids(seen), "a reader from the start gets the same stream")

			// Commit order: a transaction that committed before another began comes first.
			for _, a := range spans {
				for _, c := range spans {
					if a.end < c.begin {
						require.Less(t, pos[a.ids[len(a.ids)-1]], pos[c.ids[0]], "committed before it began")
					}
				}
			}
			// Each aggregate in sequence order; pyfly's rows as pyfly wrote them.
			next := map[string]int64{}
			for _, e := range seen {
				next[e.AggregateID]++
				require.Equal(t, next[e.AggregateID], e.Sequence, e.AggregateID)
				if strings.HasPrefix(e.AggregateID, "py-") {
					assert.Equal(t, "PyfliedEvent", e.EventType)
					assert.JSONEq(t, fmt.Sprintf(`{"n": %d}`, e.Sequence), string(e.Payload))
					assert.Equal(t, map[string]any{"writer": "pyfly"}, e.Metadata)
				}
			}
			var unrecorded int
			require.NoError(t, db.DB.QueryRow(`SELECT count(*) FROM pyfly_event_store WHERE recorded_at IS NULL`).Scan(&unrecorded))
			assert.Zero(t, unrecorded, "recorded_at has a default")
		})
	}
}

// latest is the aggregate's version.
func latest(ctx context.Context, s es.EventStore, id string) int64 {
	v, err := s.LatestVersion(ctx, id)
	if err != nil {
		return -1 // Append then fails and says why
	}
	return v
}

// goEvents makes n new envelopes of type GoEvent.
func goEvents(t *testing.T, n int) []es.Envelope {
	out := make([]es.Envelope, n)
	for i := range out {
		e, err := es.NewEnvelope(struct {
			N int `json:"n"`
		}{i})
		if err != nil {
			t.Error(err)
		}
		e.EventType = "GoEvent"
		out[i] = e
	}
	return out
}

// On PostgreSQL, one INSERT of several rows without positions (as pyfly's newer generation
// writes a batch under its head-row strategy) gives each its own position, in the rows' order,
// within the transaction's span, and a later statement of the transaction continues after them.
func TestPostgresDefaultPositionsOfOneStatement(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.Start(t))
	tx, err := db.DB.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	insert := `INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version)
VALUES ($1, 'b-1', 'Order', 1, 'E', '{}', '{}', now(), 1), ($2, 'b-1', 'Order', 2, 'E', '{}', '{}', now(), 1), ($3, 'b-1', 'Order', 3, 'E', '{}', '{}', now(), 1)`
	_, err = tx.ExecContext(ctx, insert, "m-1", "m-2", "m-3")
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO pyfly_event_store (event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, version)
VALUES ('m-4', 'b-1', 'Order', 4, 'E', '{}', '{}', now(), 1)`)
	require.NoError(t, err)
	var base int64
	require.NoError(t, tx.QueryRowContext(ctx, `SELECT pg_current_xact_id()::text::bigint * 1048576`).Scan(&base))
	require.NoError(t, tx.Commit())
	rows, err := db.DB.QueryContext(ctx, `SELECT event_id, global_position FROM pyfly_event_store ORDER BY sequence`)
	require.NoError(t, err)
	defer rows.Close()
	var got []int64
	for rows.Next() {
		var id string
		var p int64
		require.NoError(t, rows.Scan(&id, &p))
		got = append(got, p-base)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []int64{1, 2, 3, 4}, got)
}
