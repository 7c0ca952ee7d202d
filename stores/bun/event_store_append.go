package bunstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// batch is an append's events in column form.
type batch struct {
	aggregateID, aggregateType string
	expected                   int64
	eventIDs, eventTypes       []string
	payloads, metadata         []string
	occurredAt                 []time.Time
	versions                   []int32
	tenants                    []string
	// firstPosition is the global position the append gave its first event (the others follow
	// one by one), set once the events are written; 0 while unknown.
	firstPosition int64
	// records, when set, asks the dialect to write the events' outbox records with them (see
	// [OutboxStore.EnqueueWithAppend]); a dialect that does not sets recordsWritten false.
	records        *appendRecords
	recordsWritten bool
}

// newBatch takes events that passed storekit.ValidateAppend (versions fit in 32 bits) and writes
// their payload and metadata columns in format.
func newBatch(aggregateID, aggregateType string, expected int64, events []es.Envelope, format PayloadFormat) (*batch, error) {
	n := len(events)
	b := &batch{
		aggregateID: aggregateID, aggregateType: aggregateType, expected: expected,
		eventIDs: make([]string, n), eventTypes: make([]string, n), payloads: make([]string, n),
		metadata: make([]string, n), occurredAt: make([]time.Time, n), versions: make([]int32, n), tenants: make([]string, n),
	}
	for i := range events {
		e := &events[i]
		md, err := encodeMetadata(e.Metadata)
		if err != nil {
			return nil, storekit.InvalidArgument("events[%d].Metadata: metadata values must be JSON-encodable: %v", i, err)
		}
		b.eventIDs[i] = e.EventID
		b.eventTypes[i] = e.EventType
		b.payloads[i] = string(e.Payload)
		b.metadata[i] = md
		b.occurredAt[i] = storekit.StoredTime(e.OccurredAt)
		b.versions[i] = int32(e.Version)
		b.tenants[i] = e.TenantID
		if format == PayloadPyfly {
			if err := b.pyfly(i, e); err != nil {
				return nil, storekit.InvalidArgument("events[%d]: %v", i, err)
			}
		}
	}
	return b, nil
}

// pyfly rewrites event i's payload and metadata columns in [PayloadPyfly].
func (b *batch) pyfly(i int, e *es.Envelope) error {
	md, err := pythonJSON(b.metadata[i])
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	p, err := pyflyEnvelope(e, b.aggregateID, b.aggregateType, b.expected+int64(i)+1, md, b.occurredAt[i])
	if err != nil {
		return err
	}
	b.metadata[i], b.payloads[i] = md, p
	return nil
}

// Append implements es.EventStore. It validates with storekit.ValidateAppend before touching the
// database, then checks the aggregate's version and inserts all events with one statement, in the
// transaction in ctx when there is one for this DB, else in its own. On success it sets
// AggregateID, AggregateType and Sequence on events; on failure it leaves them untouched.
func (s *EventStore) Append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	if s.obs == nil {
		return s.append(ctx, aggregateID, aggregateType, expected, events)
	}
	op := es.Op{Kind: es.OpAppend, System: s.system, AggregateType: aggregateType, AggregateID: aggregateID,
		Events: len(events), After: expected}
	return storekit.ObserveWrite(ctx, s.obs, op, func(ctx context.Context) error {
		return s.append(ctx, aggregateID, aggregateType, expected, events)
	})
}

// append is Append without the observer.
func (s *EventStore) append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	if err := storekit.ValidateAppend(aggregateID, aggregateType, expected, events); err != nil {
		return err
	}
	b, err := newBatch(aggregateID, aggregateType, expected, events, s.format)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bunstore: append: %w", err) // nothing sent: a plain refusal
	}
	st := ambient(ctx, s.db)
	b.records = s.recordsFor(ctx, st, b)
	if st == nil && s.writeGate != nil {
		err = s.appendQueued(ctx, b)
	} else {
		err = s.dl.appendEvents(ctx, s.db, st, b)
	}
	var retry *possibleRetry
	if errors.As(err, &retry) {
		err = s.settleRetry(ctx, st, retry, events)
		if err == nil {
			s.fill(events, aggregateID, aggregateType, expected, 0)
			return nil // already stored: nothing was written, nothing to signal
		}
	}
	if err != nil {
		err = aboutAggregate(err, aggregateID, aggregateType)
		if errors.Is(err, es.ErrConcurrency) {
			s.log.DebugContext(ctx, "bunstore: append refused", "aggregate_id", aggregateID, "expected", expected, "error", err)
		}
		return err
	}
	if st != nil {
		st.appended(aggregateID)
	}
	s.commits.afterCommit(st)
	if b.recordsWritten {
		b.records.written(st)
	}
	s.fill(events, aggregateID, aggregateType, expected, b.firstPosition)
	return nil
}

// fill sets what Append sets on the caller's envelopes on success: their place, and their global
// positions from first on when first is known (not 0).
func (s *EventStore) fill(events []es.Envelope, aggregateID, aggregateType string, expected, first int64) {
	for i := range events {
		events[i].AggregateID = aggregateID
		events[i].AggregateType = aggregateType
		events[i].Sequence = expected + int64(i) + 1
		if first > 0 {
			events[i].GlobalPosition = first + int64(i)
		}
	}
}

// appendQueued appends b in a transaction of its own after the store's earlier appends: on a
// database with one writer, queueing here beats the database's busy handler, which polls with
// growing sleeps.
func (s *EventStore) appendQueued(ctx context.Context, b *batch) error {
	select {
	case s.writeGate <- struct{}{}:
		defer func() { <-s.writeGate }()
	case <-ctx.Done():
		return fmt.Errorf("bunstore: append: %w", ctx.Err())
	}
	return s.dl.appendEvents(ctx, s.db, nil, b)
}

// checkVersion is the optimistic concurrency check: the aggregate's last sequence must be the
// expected version. atNext is the id of the event stored at the expected version + 1, when the
// head read it: the same id as b's first event makes the conflict a possible retry.
func checkVersion(b *batch, lastSeq int64, atNext string) error {
	if lastSeq == b.expected {
		return nil
	}
	ce := &es.ConcurrencyError{AggregateID: b.aggregateID, AggregateType: b.aggregateType, Expected: b.expected, Actual: lastSeq}
	if atNext != "" && atNext == b.eventIDs[0] {
		return &possibleRetry{cause: ce, aggregateID: b.aggregateID, aggregateType: b.aggregateType, expected: b.expected, txUsable: true}
	}
	return ce
}

// mapAppendErr turns a unique violation on (aggregate_id, sequence) or a serialization failure
// into a *es.ConcurrencyError, an event_id clash into es.ErrInvalidArgument, and everything else
// into wrapErr's forms.
func mapAppendErr(ctx context.Context, b *batch, op string, err error) error {
	if ctx.Err() == nil {
		switch d := classify(err); d.kind {
		case kindLockTimeout, kindStatementTimeout:
			return aboutAggregate(wrapErr(ctx, op, eventTable, err), b.aggregateID, b.aggregateType)
		case kindUniqueSequence, kindSerialization:
			return &es.ConcurrencyError{AggregateID: b.aggregateID, AggregateType: b.aggregateType, Expected: b.expected, Actual: -1}
		case kindUniqueEventID:
			// Another transaction stored one of these ids: a retry racing the append it repeats,
			// or ids that are taken. The caller tells them apart where it still can read.
			return &possibleRetry{
				cause: fmt.Errorf("bunstore: %s: %w", op, storekit.InvalidArgument(
					"event id already stored: an EventID of this append is in the store already (every event needs a new one): %v", err)),
				aggregateID: b.aggregateID, aggregateType: b.aggregateType, expected: b.expected,
				txUsable: d.keepsTx,
			}
		}
	}
	return wrapErr(ctx, op, eventTable, err)
}
