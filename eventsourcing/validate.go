package eventsourcing

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on identifiers, as the stores' columns hold them.
const (
	// MaxIDBytes is the longest aggregate id, event id and tenant id, in bytes.
	MaxIDBytes = 64
	// MaxTypeBytes is the longest aggregate type and event type, in bytes.
	MaxTypeBytes = 255
)

// ValidateAggregateID checks an aggregate id: not empty, at most [MaxIDBytes] bytes of valid
// UTF-8 without NUL. The error matches [ErrInvalidArgument].
func ValidateAggregateID(id string) error {
	return checkText("aggregate id", id, MaxIDBytes, true)
}

// ValidateAppend checks an append's arguments the same way for every store: the aggregate id, the
// aggregate type, expected ≥ 0, at least one event, and for each event an EventID (unique within
// the batch), an EventType, a tenant id that fits, and a payload that is a JSON object without NUL.
// Nothing should be written when it returns an error (matching [ErrInvalidArgument]). Metadata is
// checked where the store encodes it: a value JSON cannot encode is ErrInvalidArgument there too
// (see [NormalizeMetadata]).
func ValidateAppend(aggregateID, aggregateType string, expected int64, events []Envelope) error {
	if err := ValidateAggregateID(aggregateID); err != nil {
		return err
	}
	if err := checkText("aggregate type", aggregateType, MaxTypeBytes, false); err != nil {
		return err
	}
	if expected < 0 {
		return invalidArg("expected version: must be 0 (new aggregate) or more, got %d", expected)
	}
	if len(events) == 0 {
		return invalidArg("events: at least one event is required")
	}
	var seen map[string]struct{}
	if len(events) > 1 {
		seen = make(map[string]struct{}, len(events))
	}
	for i := range events {
		if err := validateEvent(&events[i], i, seen); err != nil {
			return err
		}
	}
	return nil
}

// validateEvent checks one event of an append; seen, when not nil, holds the batch's event ids.
func validateEvent(e *Envelope, i int, seen map[string]struct{}) error {
	field := func(name string) string { return "events[" + strconv.Itoa(i) + "]." + name }
	if p := textProblem(e.EventID, MaxIDBytes, true); p != "" {
		return invalidArg("%s: %s", field("EventID"), p)
	}
	if seen != nil {
		if _, dup := seen[e.EventID]; dup {
			return invalidArg("%s: %q appears twice in one append", field("EventID"), e.EventID)
		}
		seen[e.EventID] = struct{}{}
	}
	if p := textProblem(e.EventType, MaxTypeBytes, true); p != "" {
		return invalidArg("%s: %s", field("EventType"), p)
	}
	if p := textProblem(e.TenantID, MaxIDBytes, false); p != "" {
		return invalidArg("%s: %s", field("TenantID"), p)
	}
	if !isJSONObject(e.Payload) {
		return invalidArg("%s: must be a JSON object, got %.40q", field("Payload"), e.Payload)
	}
	if bytes.Contains(e.Payload, []byte(`\u0000`)) {
		return invalidArg("%s: must not contain NUL characters", field("Payload"))
	}
	return nil
}

// ValidateReadAll checks ReadAll's cursor and limit.
func ValidateReadAll(after int64, limit int) error {
	if after < 0 {
		return invalidArg("after: a global position must be 0 (the start) or more, got %d", after)
	}
	if limit < 1 {
		return invalidArg("limit: must be 1 or more, got %d", limit)
	}
	return nil
}

// checkText checks a text argument: not empty when required, at most maxBytes bytes of valid
// UTF-8 without NUL. The error names the argument.
func checkText(name, v string, maxBytes int, required bool) error {
	if p := textProblem(v, maxBytes, required); p != "" {
		return invalidArg("%s: %s", name, p)
	}
	return nil
}

// textProblem says what is wrong with a text value, "" when nothing is.
func textProblem(v string, maxBytes int, required bool) string {
	switch {
	case v == "" && required:
		return "must not be empty"
	case len(v) > maxBytes:
		return fmt.Sprintf("at most %d bytes, got %d", maxBytes, len(v))
	case !utf8.ValidString(v):
		return "must be valid UTF-8"
	case strings.IndexByte(v, 0) >= 0:
		return "must not contain NUL bytes"
	}
	return ""
}
