package storekit

import (
	"fmt"
	"math"
	"strconv"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
)

// ValidateAggregateID checks an aggregate id: not empty, at most es.MaxIDBytes bytes of valid
// UTF-8 without NUL.
func ValidateAggregateID(id string) error {
	return check.TextArg("aggregate id", id, es.MaxIDBytes, true)
}

// ValidateAppend checks an append's arguments the same way for every store: the aggregate id, the
// aggregate type, expected ≥ 0, at least one event, and each event as [ValidateEvents] checks it.
// Nothing may be written when it returns an error.
func ValidateAppend(aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	return validateAppend(aggregateID, aggregateType, expected, events, check.MaxJSONDepth)
}

// validateAppend is ValidateAppend with payloads and metadata nested at most maxDepth levels.
func validateAppend(aggregateID, aggregateType string, expected int64, events []es.Envelope, maxDepth int) error {
	if err := ValidateAggregateID(aggregateID); err != nil {
		return err
	}
	if err := check.TextArg("aggregate type", aggregateType, es.MaxTypeBytes, false); err != nil {
		return err
	}
	if expected < 0 {
		return invalid("expected version: must be 0 (new aggregate) or more, got %d", expected)
	}
	return validateEvents(events, maxDepth)
}

// ValidateEvents checks the events of one call the same way for every store: at least one, and
// for each an EventID (unique within the call), an EventType, a tenant id that fits, a schema
// Version from 0 to 2³¹−1, an OccurredAt in the years 1 to 9999 (UTC), a payload that is one
// JSON object every reader can decode (valid syntax and UTF-8, no NUL character, nesting at most
// [MaxJSONDepth] levels), checked in one pass, and metadata every store keeps alike: nesting at
// most [MaxJSONDepth] levels (the map itself is the first), no map or list inside itself, no NaN
// or infinity, keys of valid UTF-8, values encoding/json can encode (invalid UTF-8 inside string
// values is kept as U+FFFD, as JSON keeps it). The error names the event's field, and in
// metadata the path to the value at fault. [ValidateAppend] runs it; stores that keep envelopes
// of their own (an outbox) run it and check the rest of the envelope themselves.
func ValidateEvents(events []es.Envelope) error {
	return validateEvents(events, check.MaxJSONDepth)
}

// validateEvents is ValidateEvents with payloads and metadata nested at most maxDepth levels.
func validateEvents(events []es.Envelope, maxDepth int) error {
	if len(events) == 0 {
		return invalid("events: at least one event is required")
	}
	var seen map[string]struct{}
	if len(events) > pairwiseIDs {
		seen = make(map[string]struct{}, len(events))
	}
	for i := range events {
		if err := validateEvent(events, i, seen, maxDepth); err != nil {
			return err
		}
	}
	return nil
}

// pairwiseIDs is the most events of one call whose ids are compared pair by pair for
// duplicates: up to it, that is cheaper than building a set of them.
const pairwiseIDs = 16

// eventField names field of the i-th event of a call in an error.
func eventField(i int, name string) string { return "events[" + strconv.Itoa(i) + "]." + name }

// validateEvent checks events[i], and that no event before it has its id: with seen (the ids
// before it) when not nil, else pair by pair. It allocates nothing unless it fails.
func validateEvent(events []es.Envelope, i int, seen map[string]struct{}, maxDepth int) error {
	e := &events[i]
	field := func(name string) string { return eventField(i, name) }
	if p := check.Text(e.EventID, es.MaxIDBytes, true); p != "" {
		return invalid("%s: %s", field("EventID"), p)
	}
	if idBefore(events, i, seen) {
		return invalid("%s: %q appears twice in one call", field("EventID"), e.EventID)
	}
	if p := check.Text(e.EventType, es.MaxTypeBytes, true); p != "" {
		return invalid("%s: %s", field("EventType"), p)
	}
	if p := check.Text(e.TenantID, es.MaxIDBytes, false); p != "" {
		return invalid("%s: %s", field("TenantID"), p)
	}
	if e.Version < 0 || e.Version > math.MaxInt32 {
		return invalid("%s: an event schema version is from 0 to %d, got %d", field("Version"), math.MaxInt32, e.Version)
	}
	if p := timeProblem(e.OccurredAt); p != "" {
		return invalid("%s: %s", field("OccurredAt"), p)
	}
	if p := check.JSONObject(e.Payload, maxDepth); p != "" {
		return invalid("%s: %s, got %.40q", field("Payload"), p, e.Payload)
	}
	if where, p := check.Metadata(e.Metadata, maxDepth); p != "" {
		return invalid("%s%s: %s", field("Metadata"), where, p)
	}
	return nil
}

// idBefore reports whether an event before events[i] has its id; with seen not nil it looks
// there, and adds the id.
func idBefore(events []es.Envelope, i int, seen map[string]struct{}) bool {
	id := events[i].EventID
	if seen != nil {
		if _, dup := seen[id]; dup {
			return true
		}
		seen[id] = struct{}{}
		return false
	}
	for j := range i {
		if events[j].EventID == id {
			return true
		}
	}
	return false
}

// ValidateTime checks that a time to be stored is in the years every store keeps (1 to 9999 in
// UTC); what names it in the error.
func ValidateTime(what string, t time.Time) error {
	if p := timeProblem(t); p != "" {
		return invalid("%s: %s", what, p)
	}
	return nil
}

// MaxJSONDepth (100) is the deepest nesting, in levels, of a payload, a snapshot or metadata a
// store is given (the outermost object is level 1): deeper ones are refused with
// es.ErrInvalidArgument. Every reader decodes far deeper documents (encoding/json up to 10,000
// levels), and stores read back rows nested up to that, written before the limit applied.
const MaxJSONDepth = check.MaxJSONDepth

// MinYear and MaxYear bound the years of the times every store can keep and read back.
const (
	MinYear = 1
	MaxYear = 9999
)

// The first instant of MinYear and the first after MaxYear, in UTC.
var (
	firstStoredTime = time.Date(MinYear, time.January, 1, 0, 0, 0, 0, time.UTC)
	afterStoredTime = time.Date(MaxYear+1, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// timeProblem says what is wrong with a time a store must keep, "" when nothing is.
func timeProblem(t time.Time) string {
	if t.Before(firstStoredTime) || !t.Before(afterStoredTime) {
		return fmt.Sprintf("the year must be from %d to %d in UTC, got %d", MinYear, MaxYear, t.UTC().Year())
	}
	return ""
}

// StoredTime is how every store keeps a time: in UTC, truncated to the microsecond (what
// PostgreSQL keeps), so the same envelope reads back equal from every store.
func StoredTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// ValidateReadAll checks ReadAll's cursor and limit.
func ValidateReadAll(after int64, limit int) error {
	if after < 0 {
		return invalid("after: a global position must be 0 (the start) or more, got %d", after)
	}
	if limit < 1 {
		return invalid("limit: must be 1 or more, got %d", limit)
	}
	return nil
}

// ValidateLoad checks Load's aggregate id and sequence.
func ValidateLoad(aggregateID string, afterSequence int64) error {
	if err := ValidateAggregateID(aggregateID); err != nil {
		return err
	}
	if afterSequence < 0 {
		return invalid("afterSequence: must be 0 (from the start) or more, got %d", afterSequence)
	}
	return nil
}

// ValidateSnapshot checks a snapshot before a store saves it: the aggregate id, an aggregate type
// that fits, a sequence of 1 or more, and a payload that is a JSON object every reader can decode
// (valid syntax and UTF-8, no NUL character, nesting at most [MaxJSONDepth] levels).
func ValidateSnapshot(s es.Snapshot) error {
	if err := check.TextArg("snapshot aggregate id", s.AggregateID, es.MaxIDBytes, true); err != nil {
		return err
	}
	if err := check.TextArg("snapshot aggregate type", s.AggregateType, es.MaxTypeBytes, false); err != nil {
		return err
	}
	if s.Sequence < 1 {
		return invalid("snapshot sequence: must be 1 or more, got %d", s.Sequence)
	}
	if p := check.JSONPayload(s.Payload); p != "" {
		return invalid("snapshot payload of %q: %s, got %.40q", s.AggregateID, p, s.Payload)
	}
	if p := timeProblem(s.CreatedAt); p != "" {
		return invalid("snapshot CreatedAt of %q: %s", s.AggregateID, p)
	}
	return nil
}

// ApplyUpcasters runs ups over e in order. e must be the caller's own copy. An output without a
// global position (0, as an upcaster that builds a new envelope returns it) keeps e's. An
// upcaster's error, an output payload no reader could decode, or an output that moves the event
// (another aggregate id, sequence or non-zero global position) or renames it (another event id,
// which consumers de-duplicate on) is an *es.DecodeError (matching es.ErrDecode) naming the event
// and the upcaster: a store must never hand out a silently reordered stream.
func ApplyUpcasters(ups []es.Upcaster, e es.Envelope) (es.Envelope, error) {
	for i, u := range ups {
		if !u.AppliesTo(e) {
			continue
		}
		out, err := u.Upcast(e)
		if err != nil {
			return es.Envelope{}, &es.DecodeError{Event: e, Err: fmt.Errorf("upcaster %d (%T) on event type %s: %w", i, u, e.EventType, err)}
		}
		if out.GlobalPosition == 0 {
			out.GlobalPosition = e.GlobalPosition
		}
		if p := check.JSONObject(out.Payload, check.DecodeJSONDepth); p != "" {
			return es.Envelope{}, &es.DecodeError{Event: e, Err: fmt.Errorf("upcaster %d (%T) on event type %s returned a payload that %s", i, u, e.EventType, p)}
		}
		if moved := movedBy(e, out); moved != "" {
			return es.Envelope{}, &es.DecodeError{Event: e, Err: fmt.Errorf("upcaster %d (%T) on event type %s changed its %s; an upcaster may rewrite an event, never move or rename it",
				i, u, e.EventType, moved)}
		}
		e = out
	}
	return e, nil
}

// DecodeEvent finishes an event a store read back: e holds every column but the metadata,
// metadata the stored JSON text of it. It decodes the metadata (see [DecodeMetadata]), checks
// that the payload is one JSON object a reader decodes (valid syntax and UTF-8, no NUL
// character, nesting up to the 10,000 levels encoding/json decodes: rows written before
// [MaxJSONDepth] applied still read back), and applies ups. Anything that fails is an
// *es.DecodeError naming the event (see [Undecodable]), which ReadAll returns after the events
// before it.
func DecodeEvent(e es.Envelope, metadata []byte, ups []es.Upcaster) (es.Envelope, error) {
	if p := check.JSONObject(e.Payload, check.DecodeJSONDepth); p != "" {
		return es.Envelope{}, Undecodable(e, fmt.Errorf("payload %s, got %.40q", p, e.Payload))
	}
	md, err := DecodeMetadata(metadata)
	if err != nil {
		return es.Envelope{}, Undecodable(e, err)
	}
	e.Metadata = md
	if len(ups) == 0 {
		return e, nil
	}
	return ApplyUpcasters(ups, e)
}

// Undecodable is the error of a stored event a store cannot hand out: e as far as the store read
// it (its id and place at least), cause what failed. The error's Event keeps e's payload only
// when it is a JSON object a reader decodes (else nil) and no metadata, so that a dead letter
// can hold it.
func Undecodable(e es.Envelope, cause error) *es.DecodeError {
	if check.JSONObject(e.Payload, check.DecodeJSONDepth) != "" {
		e.Payload = nil
	}
	e.Metadata = nil
	return &es.DecodeError{Event: e, Err: cause}
}

// movedBy names what of an event's place changed between in and out, "" when nothing did.
func movedBy(in, out es.Envelope) string {
	switch {
	case out.AggregateID != in.AggregateID:
		return fmt.Sprintf("aggregate id (%q to %q)", in.AggregateID, out.AggregateID)
	case out.Sequence != in.Sequence:
		return fmt.Sprintf("sequence (%d to %d)", in.Sequence, out.Sequence)
	case out.GlobalPosition != in.GlobalPosition:
		return fmt.Sprintf("global position (%d to %d)", in.GlobalPosition, out.GlobalPosition)
	case out.EventID != in.EventID:
		return fmt.Sprintf("event id (%q to %q)", in.EventID, out.EventID)
	}
	return ""
}
