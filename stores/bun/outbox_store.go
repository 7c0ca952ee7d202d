package bunstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// outboxChannel is the channel of the outbox store's commit signals (see [commitHub]).
const outboxChannel = "pyfly_es_outbox"

// OutboxStore is an [outbox.Store] on PostgreSQL or SQLite, in the table pyfly_outbox. Its
// writes join the transaction of [InTx] in the context when it belongs to the same *bun.DB, so
// records exist exactly when the events saved with them commit. Relays on several pools or
// processes share the table: on PostgreSQL claims skip rows other claims hold (FOR UPDATE SKIP
// LOCKED); SQLite runs one writer at a time. Outside a transaction of the caller's, its claims and
// marks commit on PostgreSQL without waiting for the disk: a crash may lose the last of them,
// which only makes records due, or published, again (see the package outbox's documentation).
type OutboxStore struct {
	db *bun.DB
	dl sqlDialect
	q  outboxSQL
	// own are the statements the store runs in transactions of its own (the relay's claims and
	// marks): on PostgreSQL they commit without waiting for the disk, see pgOwnCommit.
	own     outboxSQL
	commits *commitHub
	stmts   *stmtCache // the dialect's: fixed statement texts prepared once (nil: none)
	warmed  atomic.Bool
}

var (
	_ outbox.Store            = (*OutboxStore)(nil)
	_ outbox.DeliveredDeleter = (*OutboxStore)(nil)
	_ es.TxJoiner             = (*OutboxStore)(nil)
	_ es.Transactor           = (*OutboxStore)(nil)
	_ es.CommitNotifier       = (*OutboxStore)(nil)
)

// outboxDialect is what the outbox store needs from a dialect
// (postgres_outbox_store.go, sqlite_outbox_store.go).
type outboxDialect interface {
	// outboxSQL returns the outbox store's statements: for the store's own transactions when
	// own is set, else for transactions of the caller's.
	outboxSQL(own bool) outboxSQL
	// outboxStmts is the cache the outbox store prepares its fixed statements in, nil when the
	// driver caches statements itself.
	outboxStmts() *stmtCache
	// outboxInserts returns the statements that insert rows, in order.
	outboxInserts(rows *outboxRows) []statement
	// outboxInsertTexts are the insert statements' texts, to prepare them ahead.
	outboxInsertTexts() []string
	// idList binds a list of event ids as the one argument the statements take it as.
	idList(ids []string) any
	// requeueSQL returns the statements of Requeue (outbox_replay.go).
	requeueSQL() requeueSQL
}

// statement is a statement text and its arguments.
type statement struct {
	text string
	args []any
}

// outboxSQL holds the statements of the outbox store, each one fixed text.
type outboxSQL struct {
	// claim: (outbox, now, limit, owner, until, window, per aggregate), claiming due rows in
	// enqueue order and returning outboxColumns; see outboxClaimCandidates for the window.
	// claimHold is the same, holding back the records behind a dead one of their aggregate.
	claim, claimHold string
	// markDelivered: (outbox, at, owner, attempt, event ids).
	markDelivered string
	// markFailed: (outbox, event_id, owner, attempt, last_error, at, next_attempt_at, dead).
	markFailed string
	// release and deleteDelivered: (outbox, owner, attempt, event ids).
	release, deleteDelivered string
	// pending and deadLetters: (outbox, limit), returning outboxColumns.
	pending, deadLetters string
	// retry: (outbox, event_id).
	retry string
	// prune: (outbox, delivered before, limit).
	prune string
	// bury: (outbox, event_id, owner, attempt, last_error, at), making a claimed record a dead
	// letter and taking back the claim's attempt.
	bury string
}

// outboxRows are the records of one Enqueue, column by column.
type outboxRows struct {
	outbox                                                       string
	created                                                      time.Time
	eventIDs, aggregateIDs, aggregateTypes, eventTypes, payloads []string
	metadata, tenants                                            []string
	sequences, positions                                         []int64
	occurredAt                                                   []time.Time
	versions                                                     []int32
}

func newOutboxRows(outbox string, created time.Time, n int) *outboxRows {
	return &outboxRows{
		outbox: outbox, created: created,
		eventIDs: make([]string, 0, n), aggregateIDs: make([]string, 0, n), aggregateTypes: make([]string, 0, n),
		eventTypes: make([]string, 0, n), payloads: make([]string, 0, n), metadata: make([]string, 0, n),
		tenants: make([]string, 0, n), sequences: make([]int64, 0, n), positions: make([]int64, 0, n),
		occurredAt: make([]time.Time, 0, n), versions: make([]int32, 0, n),
	}
}

// add appends e with its encoded metadata.
func (r *outboxRows) add(e *es.Envelope, metadata string) {
	r.eventIDs = append(r.eventIDs, e.EventID)
	r.aggregateIDs = append(r.aggregateIDs, e.AggregateID)
	r.aggregateTypes = append(r.aggregateTypes, e.AggregateType)
	r.eventTypes = append(r.eventTypes, e.EventType)
	r.payloads = append(r.payloads, string(e.Payload))
	r.metadata = append(r.metadata, metadata)
	r.tenants = append(r.tenants, e.TenantID)
	r.sequences = append(r.sequences, e.Sequence)
	r.positions = append(r.positions, e.GlobalPosition)
	r.occurredAt = append(r.occurredAt, storekit.StoredTime(e.OccurredAt))
	r.versions = append(r.versions, int32(e.Version)) // ValidateEvents keeps versions within 32 bits
}

// outboxClaimCandidates returns the common table expressions a claim picks from: cand, the runs
// of each aggregate (its head, the earliest record neither delivered nor dead (live), and the
// due records right after it) as (seq, aggregate_id, rk), rk numbering an aggregate's records
// from 1 at its head. Both dialects run the same SQL; live is the dialect's condition for a live
// record, the others its placeholders.
//
// Two ways find runs, and the cheaper one usually suffices. win is the first window of live
// records in enqueue order. An aggregate's records in win are its earliest live ones, so there
// rk is its place among them, and its run is the records from its head on while none is not due
// (held counts those up to each record), at most perAggregate (winRuns; both are materialized,
// so SQLite does not compute them once per use). When win holds every live record (it is not
// full), or its runs fill the limit, that is enough. Otherwise (an aggregate with a long run of
// records fills the window) a loose index scan walks every aggregate that has live records, one
// index probe each (aggs), and adds the head of each one the window missed, so records behind
// the window are not held back by those in it. Whether such a head is due is left to the
// statement that claims.
//
// dead, when not "", is the dialect's condition for a dead record of the table aliased d: the
// candidates then leave out every record with a dead record of its aggregate before it
// (outbox.ClaimRequest.HoldBehindDead), and an aggregate the walk finds with none left has a
// NULL seq, which the claim drops.
func outboxClaimCandidates(live, dead, outbox, now, limit, window, perAggregate string) string {
	hold := func(table string) string {
		if dead == "" {
			return ""
		}
		return ` AND NOT EXISTS (SELECT 1 FROM pyfly_outbox d WHERE d.outbox = ` + table + `.outbox AND d.aggregate_id = ` + table +
			`.aggregate_id AND ` + dead + ` AND d.seq < ` + table + `.seq)`
	}
	return `win AS MATERIALIZED (
	SELECT seq, aggregate_id,
		(next_attempt_at IS NULL OR next_attempt_at <= ` + now + `) AND (claimed_until IS NULL OR claimed_until <= ` + now + `) AS due
	FROM pyfly_outbox WHERE outbox = ` + outbox + ` AND ` + live + hold("pyfly_outbox") + ` ORDER BY seq LIMIT ` + window + `
),
winRuns AS MATERIALIZED (
	SELECT seq, aggregate_id, rk FROM (
		SELECT seq, aggregate_id, row_number() OVER w AS rk, count(*) FILTER (WHERE NOT due) OVER w AS held
		FROM win WINDOW w AS (PARTITION BY aggregate_id ORDER BY seq)
	) AS r
	WHERE held = 0 AND rk <= ` + perAggregate + `
),
aggs(aggregate_id) AS (
	SELECT (SELECT min(p.aggregate_id) FROM pyfly_outbox p WHERE p.outbox = ` + outbox + ` AND p.` + live + `)
	WHERE (SELECT count(*) FROM win) >= ` + window + ` AND (SELECT count(*) FROM winRuns) < ` + limit + `
	UNION ALL
	SELECT (SELECT min(p.aggregate_id) FROM pyfly_outbox p
		WHERE p.outbox = ` + outbox + ` AND p.` + live + ` AND p.aggregate_id > aggs.aggregate_id)
	FROM aggs WHERE aggs.aggregate_id IS NOT NULL
),
cand(seq, aggregate_id, rk) AS (
	SELECT seq, aggregate_id, rk FROM winRuns
	UNION ALL
	SELECT (SELECT min(p.seq) FROM pyfly_outbox p
		WHERE p.outbox = ` + outbox + ` AND p.` + live + ` AND p.aggregate_id = aggs.aggregate_id` + hold("p") + `), aggs.aggregate_id, 1
	FROM aggs WHERE aggs.aggregate_id IS NOT NULL AND aggs.aggregate_id NOT IN (SELECT aggregate_id FROM win)
)`
}

// claimWindow is how many live records a claim of limit looks at before it walks every
// aggregate (see outboxClaimCandidates).
func claimWindow(limit int) int { return max(4*limit, 64) }

// outboxInsertColumns are the columns Enqueue writes, in argument order.
const outboxInsertColumns = "outbox, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, " +
	"occurred_at, version, tenant_id, global_position, created_at"

const outboxInsertWidth = 13

// outboxColumns are the columns every read returns, in scan order.
const outboxColumns = "seq, outbox, event_id, aggregate_id, aggregate_type, sequence, event_type, payload, metadata, occurred_at, " +
	"version, tenant_id, global_position, created_at, attempts, last_error, next_attempt_at, last_attempt_at, " +
	"delivered_at, dead, claimed_by, claimed_until"

// claimedColumns are outboxColumns as a claim returns them, of the outbox row t (its table's name
// or alias): a record enqueued without its event's global position (an envelope built by hand, or
// enqueued before its event was appended in the same transaction) gets the position of the stored
// event with its id and aggregate, so that the message published for it carries it too; a record
// of no stored event keeps 0.
func claimedColumns(t string) string {
	// The event is found by its id alone (its key): with the aggregate in the condition too, a
	// planner may probe by aggregate and walk all of its events.
	position := `CASE WHEN ` + t + `.global_position > 0 THEN ` + t + `.global_position ELSE coalesce((
	SELECT CASE WHEN e.aggregate_id = ` + t + `.aggregate_id THEN e.global_position END
	FROM ` + TableEvents + ` e WHERE e.event_id = ` + t + `.event_id), 0) END`
	cols := strings.Split(outboxColumns, ", ")
	for i := range cols {
		if cols[i] == "global_position" {
			cols[i] = position
		} else {
			cols[i] = t + "." + cols[i]
		}
	}
	return strings.Join(cols, ", ")
}

// NewOutboxStore returns an outbox store on db (pgdialect or sqlitedialect). It does no I/O: run
// [Prepare] (or [Migrate]) before the first call.
func NewOutboxStore(db *bun.DB) (*OutboxStore, error) {
	dl, err := dialectOf(db)
	if err != nil {
		return nil, err
	}
	return &OutboxStore{
		db: db, dl: dl, q: dl.outboxSQL(false), own: dl.outboxSQL(true), stmts: dl.outboxStmts(),
		commits: newCommitHub(db, dl, outboxChannel, orDiscard(nil)),
	}, nil
}

// CommitNotifications implements es.CommitNotifier, so relays wake when records are due: the
// channel receives after this store's enqueues commit (on their own or with the transaction of
// [InTx] they joined) and after a dead letter is retried, and, on PostgreSQL with pgx, after those
// of any process (LISTEN/NOTIFY on the channel pyfly_es_outbox; signals coalesce, at most one every
// 25 ms per writer). The channel closes when ctx ends.
func (s *OutboxStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	return s.commits.subscribe(ctx)
}

// JoinsTx implements [outbox.Store]: true when ctx carries a transaction of [InTx] on the
// store's *bun.DB, which Enqueue then writes through.
func (s *OutboxStore) JoinsTx(ctx context.Context) bool { return ambient(ctx, s.db) != nil }

// InTx runs fn in a transaction on the store's *bun.DB (see the package function [InTx]).
func (s *OutboxStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return InTx(ctx, s.db, fn)
}

// Enqueue implements [outbox.Store].
func (s *OutboxStore) Enqueue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	if err := storekit.ValidateEnqueue(name, events, at); err != nil {
		return err
	}
	rows := newOutboxRows(name, storekit.StoredTime(at), len(events))
	for i := range events {
		e := &events[i]
		meta, err := encodeMetadata(e.Metadata)
		if err != nil {
			return storekit.InvalidArgument("events[%d].Metadata: metadata values must be JSON-encodable: %v", i, err)
		}
		rows.add(e, meta)
	}
	inserts := s.dl.outboxInserts(rows)
	st := ambient(ctx, s.db)
	if st == nil {
		s.warm(ctx)
	}
	err := s.inOneTx(ctx, "enqueue", len(inserts) > 1, func(tx *txState) error {
		for _, ins := range inserts {
			if _, err := s.on(tx).ExecContext(ctx, ins.text, ins.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.commits.afterCommit(st)
	}
	return err
}

// warm prepares, on a pool connection, the statements business transactions run: a
// transaction never prepares (its connection may be the pool's only one), so the store
// prepares them when it runs outside one, as its relays' claims do. Failures only leave the
// statements to run unprepared.
func (s *OutboxStore) warm(ctx context.Context) {
	if s.stmts == nil || s.warmed.Load() {
		return
	}
	if s.stmts.prepare(ctx, s.db.DB, s.dl.outboxInsertTexts()...) == nil {
		s.warmed.Store(true)
	}
}

// inOneTx runs fn on the ambient transaction, or on the pool (st nil); with several
// statements (multi) and no ambient transaction, in a transaction of its own.
func (s *OutboxStore) inOneTx(ctx context.Context, op string, multi bool, fn func(st *txState) error) error {
	if st := ambient(ctx, s.db); st != nil || !multi {
		if err := fn(st); err != nil {
			return wrapErr(ctx, op, outboxTable, err)
		}
		return nil
	}
	return InTx(ctx, s.db, func(ctx context.Context) error { return s.inOneTx(ctx, op, false, fn) })
}

// on returns what runs the store's fixed statements: the transaction st when it is set, else
// the pool, with statements prepared once when the dialect has a cache (see [stmtCache]).
func (s *OutboxStore) on(st *txState) querier {
	if st != nil {
		return s.stmts.querier(s.db.DB, st.tx.Tx)
	}
	return s.stmts.querier(s.db.DB, nil)
}

// here returns the querier for ctx (see on).
func (s *OutboxStore) here(ctx context.Context) querier { return s.on(ambient(ctx, s.db)) }

// sql returns the statements for ctx: the store's own outside a transaction of the caller's.
func (s *OutboxStore) sql(ctx context.Context) *outboxSQL {
	if ambient(ctx, s.db) != nil {
		return &s.q
	}
	return &s.own
}

// Claim implements [outbox.Store].
func (s *OutboxStore) Claim(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Record, error) {
	if err := storekit.ValidateClaimRequest(req); err != nil {
		return nil, err
	}
	if ambient(ctx, s.db) == nil {
		s.warm(ctx)
	}
	now, until := s.dl.timeArg(storekit.StoredTime(req.Now)), s.dl.timeArg(storekit.StoredTime(req.Until))
	stmt := s.sql(ctx).claim
	if req.HoldBehindDead {
		stmt = s.sql(ctx).claimHold
	}
	recs, err := s.query(ctx, "claim", stmt, req.Outbox, now, req.Limit, req.Owner, until, claimWindow(req.Limit),
		max(req.PerAggregate, 1))
	if err != nil {
		return nil, err
	}
	good := recs[:0]
	for _, r := range recs {
		if r.bad == nil {
			good = append(good, r)
			continue
		}
		// A failure here leaves the record claimed: the claim that takes it over once this one
		// expires buries it then.
		_ = s.bury(ctx, req, r)
	}
	slices.SortFunc(good, func(a, b seqRecord) int { return cmp.Compare(a.seq, b.seq) })
	return records(good), nil
}

// exec runs one statement of op in the transaction ctx carries, if any, and returns how many
// rows it changed.
func (s *OutboxStore) exec(ctx context.Context, op, stmt string, args ...any) (int64, error) {
	res, err := s.here(ctx).ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, wrapErr(ctx, op, outboxTable, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrapErr(ctx, op, outboxTable, err)
	}
	return n, nil
}

// bury makes a claimed record the store cannot decode a dead letter, with the reason as its last
// error and without the attempt the claim charged.
func (s *OutboxStore) bury(ctx context.Context, req outbox.ClaimRequest, r seqRecord) error {
	reason := check.Clip("bunstore: the stored record cannot be decoded: "+r.bad.Error(), storekit.MaxOutboxErrorBytes)
	_, err := s.here(ctx).ExecContext(ctx, s.sql(ctx).bury, req.Outbox, r.rec.ID, req.Owner, r.rec.Attempts, reason,
		s.dl.timeArg(storekit.StoredTime(req.Now)))
	if err != nil {
		return wrapErr(ctx, "claim: bury an undecodable record", outboxTable, err)
	}
	return nil
}

// MarkDelivered implements [outbox.Store].
func (s *OutboxStore) MarkDelivered(ctx context.Context, name string, claims []outbox.Claim, at time.Time) (int, error) {
	if err := storekit.ValidateMarkDelivered(name, claims, at); err != nil {
		return 0, err
	}
	return s.updateClaims(ctx, "mark delivered", s.sql(ctx).markDelivered, []any{name, s.dl.timeArg(storekit.StoredTime(at))}, claims)
}

// DeleteDelivered implements [outbox.DeliveredDeleter]: it deletes the records whose claims are
// current, in one statement per owner and attempt.
func (s *OutboxStore) DeleteDelivered(ctx context.Context, name string, claims []outbox.Claim) (int, error) {
	if err := storekit.ValidateClaims(name, claims); err != nil {
		return 0, err
	}
	return s.updateClaims(ctx, "delete delivered", s.sql(ctx).deleteDelivered, []any{name}, claims)
}

// Release implements [outbox.Store].
func (s *OutboxStore) Release(ctx context.Context, name string, claims []outbox.Claim) error {
	if err := storekit.ValidateClaims(name, claims); err != nil {
		return err
	}
	_, err := s.updateClaims(ctx, "release", s.sql(ctx).release, []any{name}, claims)
	return err
}

// updateClaims runs a statement over claims, one per owner and attempt among them (a relay's
// batch has one owner and few attempt counts) with their ids as one list argument, and counts
// the rows it changed.
func (s *OutboxStore) updateClaims(ctx context.Context, op, stmt string, fixed []any, claims []outbox.Claim) (int, error) {
	type key struct {
		owner   string
		attempt int
	}
	groups := map[key][]string{}
	var order []key
	for _, c := range claims {
		k := key{c.Owner, c.Attempt}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c.ID)
	}
	total := 0
	err := s.inOneTx(ctx, op, len(order) > 1, func(st *txState) error {
		for _, k := range order {
			args := append(append(make([]any, 0, len(fixed)+3), fixed...), k.owner, k.attempt, s.dl.idList(groups[k]))
			res, err := s.on(st).ExecContext(ctx, stmt, args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
		}
		return nil
	})
	return total, err
}

// MarkFailed implements [outbox.Store].
func (s *OutboxStore) MarkFailed(ctx context.Context, name string, c outbox.Claim, f outbox.Failure) (bool, error) {
	if err := storekit.ValidateFailure(name, c, f); err != nil {
		return false, err
	}
	var next any
	if !f.NextAttemptAt.IsZero() && !f.Dead {
		next = s.dl.timeArg(storekit.StoredTime(f.NextAttemptAt))
	}
	n, err := s.exec(ctx, "mark failed", s.sql(ctx).markFailed, name, c.ID, c.Owner, c.Attempt, f.Error,
		s.dl.timeArg(storekit.StoredTime(f.At)), next, f.Dead)
	return n > 0, err
}

// Pending implements [outbox.Store].
func (s *OutboxStore) Pending(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	if err := storekit.ValidateOutboxList(name, limit); err != nil {
		return nil, err
	}
	recs, err := s.query(ctx, "pending", s.q.pending, name, limit)
	return records(recs), err
}

// DeadLetters implements [outbox.Store].
func (s *OutboxStore) DeadLetters(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	if err := storekit.ValidateOutboxList(name, limit); err != nil {
		return nil, err
	}
	recs, err := s.query(ctx, "dead letters", s.q.deadLetters, name, limit)
	return records(recs), err
}

// Retry implements [outbox.Store].
func (s *OutboxStore) Retry(ctx context.Context, name, id string) error {
	if err := storekit.ValidateRetry(name, id); err != nil {
		return err
	}
	n, err := s.exec(ctx, "retry", s.q.retry, name, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %q in outbox %q", outbox.ErrNoDeadLetter, id, name)
	}
	s.commits.afterCommit(ambient(ctx, s.db))
	return nil
}

// Prune implements [outbox.Store].
func (s *OutboxStore) Prune(ctx context.Context, name string, deliveredBefore time.Time, limit int) (int, error) {
	if err := storekit.ValidatePrune(name, deliveredBefore, limit); err != nil {
		return 0, err
	}
	n, err := s.exec(ctx, "prune", s.q.prune, name, s.dl.timeArg(storekit.StoredTime(deliveredBefore)), limit)
	return int(n), err
}

// seqRecord is a record with its place in the table.
type seqRecord struct {
	seq int64
	rec outbox.Record
	// bad says why the record's event cannot be decoded (the fields it names are left empty),
	// nil when it can.
	bad error
}

func records(recs []seqRecord) []outbox.Record {
	if recs == nil {
		return nil
	}
	out := make([]outbox.Record, len(recs))
	for i := range recs {
		out[i] = recs[i].rec
	}
	return out
}

// query runs a statement returning outboxColumns and decodes the rows.
func (s *OutboxStore) query(ctx context.Context, op, q string, args ...any) ([]seqRecord, error) {
	rows, err := s.here(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrapErr(ctx, op, outboxTable, err)
	}
	defer rows.Close()
	var out []seqRecord
	for rows.Next() {
		r, err := scanOutboxRow(rows)
		if err != nil {
			return nil, fmt.Errorf("bunstore: %s: %w", op, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, op, outboxTable, err)
	}
	return out, nil
}

// scanOutboxRow decodes one row of outboxColumns. An error means the row could not be read at
// all; a record whose event cannot be decoded (its payload not a JSON object every reader can
// decode, its metadata not a JSON object, a time out of range) comes back with bad set and what
// could not be decoded left empty.
func scanOutboxRow(rows *sql.Rows) (seqRecord, error) {
	var (
		r                                          seqRecord
		e                                          es.Envelope
		payload, metadata                          []byte
		tenant, lastError, claimedBy               sql.NullString
		version, attempts                          int64
		occurred, created, next, last, deliv, held dbTime
	)
	if err := rows.Scan(&r.seq, &r.rec.Outbox, &e.EventID, &e.AggregateID, &e.AggregateType, &e.Sequence, &e.EventType,
		&payload, &metadata, &occurred, &version, &tenant, &e.GlobalPosition, &created, &attempts, &lastError,
		&next, &last, &deliv, &r.rec.Dead, &claimedBy, &held); err != nil {
		return r, err
	}
	var problems []string
	if p := check.JSONPayload(payload); p != "" {
		problems = append(problems, "payload: "+p)
	} else {
		e.Payload = payload
	}
	e.Version = int(version)
	e.TenantID = tenant.String
	md, err := storekit.DecodeMetadata(metadata)
	if err != nil {
		problems = append(problems, strings.TrimPrefix(err.Error(), es.ErrDecode.Error()+": "))
		md = map[string]any{}
	}
	e.Metadata = md
	times := []struct {
		name string
		src  *dbTime
		dst  *time.Time
		null bool
	}{
		{"occurred_at", &occurred, &e.OccurredAt, false},
		{"created_at", &created, &r.rec.CreatedAt, false},
		{"next_attempt_at", &next, &r.rec.NextAttemptAt, true},
		{"last_attempt_at", &last, &r.rec.LastAttemptAt, true},
		{"delivered_at", &deliv, &r.rec.DeliveredAt, true},
		{"claimed_until", &held, &r.rec.ClaimedUntil, true},
	}
	for _, t := range times {
		if t.null && t.src.kind == dbTimeNull {
			continue
		}
		v, err := t.src.UTC()
		if err != nil {
			problems = append(problems, t.name+": "+err.Error())
			continue
		}
		*t.dst = v
	}
	if len(problems) > 0 {
		r.bad = fmt.Errorf("%w: record %s: %s", es.ErrDecode, e.EventID, strings.Join(problems, "; "))
	}
	r.rec.ID = e.EventID
	r.rec.Event = e
	r.rec.Attempts = int(attempts)
	r.rec.LastError = lastError.String
	r.rec.ClaimedBy = claimedBy.String
	return r, nil
}
