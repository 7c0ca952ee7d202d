package bunstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// PayloadFormat is what the event store writes into the payload column of pyfly_event_store.
// Every format is read back (a table may mix them); the format only governs writes.
type PayloadFormat string

const (
	// PayloadCompact, the default, stores the event's payload alone, as its JSON object, and
	// the metadata in the metadata column.
	PayloadCompact PayloadFormat = "compact"
	// PayloadPyfly stores what pyfly stores: the whole envelope as pyfly's
	// StoredEventEnvelope.to_json writes it (its keys in its order, Python's separators,
	// non-ASCII escaped as \uXXXX, occurred_at in isoformat with a +00:00 offset), so that a
	// pyfly service reading the same table sees the same events. The metadata column holds the
	// metadata's JSON, as pyfly's newer generation writes it.
	PayloadPyfly PayloadFormat = "pyfly"
)

// WithPayloadFormat sets the format the event store writes (default [PayloadCompact]). Another
// value makes NewEventStore fail with es.ErrInvalidArgument.
func WithPayloadFormat(f PayloadFormat) EventStoreOption { return payloadFormatOption(f) }

type payloadFormatOption PayloadFormat

func (o payloadFormatOption) applyEventStore(c *eventStoreConfig) { c.format = PayloadFormat(o) }

// checkPayloadFormat refuses a format this package does not write.
func checkPayloadFormat(f PayloadFormat) (PayloadFormat, error) {
	switch f {
	case "", PayloadCompact:
		return PayloadCompact, nil
	case PayloadPyfly:
		return f, nil
	}
	return "", fmt.Errorf("%w: bunstore: payload format %.40q: valid formats: %s, %s", es.ErrInvalidArgument, string(f), PayloadCompact, PayloadPyfly)
}

// pyflyEnvelope is the payload text of an event in [PayloadPyfly]: to_json of e at sequence seq,
// with metadata md (JSON) and e's time (stored precision, UTC).
func pyflyEnvelope(e *es.Envelope, aggregateID, aggregateType string, seq int64, md string, occurred time.Time) (string, error) {
	b := make([]byte, 0, len(e.Payload)+len(md)+300)
	b = append(b, `{"event_id": `...)
	b = appendPyString(b, e.EventID)
	b = append(b, `, "aggregate_id": `...)
	b = appendPyString(b, aggregateID)
	b = append(b, `, "aggregate_type": `...)
	b = appendPyString(b, aggregateType)
	b = append(b, `, "sequence": `...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `, "event_type": `...)
	b = appendPyString(b, e.EventType)
	b = append(b, `, "payload": `...)
	var err error
	if b, err = appendPyJSON(b, e.Payload); err != nil {
		return "", fmt.Errorf("payload: %w", err)
	}
	b = append(b, `, "metadata": `...)
	if b, err = appendPyJSON(b, []byte(md)); err != nil {
		return "", fmt.Errorf("metadata: %w", err)
	}
	b = append(b, `, "occurred_at": "`...)
	b = appendIsoformat(b, occurred)
	b = append(b, `", "version": `...)
	b = strconv.AppendInt(b, int64(e.Version), 10)
	b = append(b, `, "tenant_id": `...)
	if e.TenantID == "" {
		b = append(b, "null"...)
	} else {
		b = appendPyString(b, e.TenantID)
	}
	return string(append(b, '}')), nil
}

// pythonJSON rewrites valid JSON text as Python's json.dumps writes it (", " and ": " between
// items, non-ASCII escaped): the metadata column of [PayloadPyfly].
func pythonJSON(src string) (string, error) {
	b, err := appendPyJSON(make([]byte, 0, len(src)+16), []byte(src))
	return string(b), err
}

// appendIsoformat appends t (UTC) as Python's datetime.isoformat writes an aware UTC time:
// 2026-01-01T12:00:00+00:00, with .ffffff only when the microseconds are not zero.
func appendIsoformat(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = append(b, fmt.Sprintf("%06d", us)...)
	}
	return append(b, "+00:00"...)
}

// appendPyJSON appends the valid JSON value src re-written as Python's json.dumps writes it
// (default separators, ensure_ascii): numbers, true, false and null as they are.
func appendPyJSON(b, src []byte) ([]byte, error) {
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case ',':
			b = append(b, ", "...)
			i++
		case ':':
			b = append(b, ": "...)
			i++
		case '"':
			end, err := stringEnd(src, i)
			if err != nil {
				return b, err
			}
			tok := src[i:end]
			if plainASCII(tok) {
				b = append(b, tok...)
			} else {
				var s string
				if err := json.Unmarshal(tok, &s); err != nil {
					return b, err
				}
				b = appendPyString(b, s)
			}
			i = end
		default:
			b = append(b, c)
			i++
		}
	}
	return b, nil
}

// stringEnd returns the index after the JSON string that starts at src[at].
func stringEnd(src []byte, at int) (int, error) {
	for i := at + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errors.New("unterminated string")
}

// plainASCII reports a JSON string token Python writes byte for byte: printable ASCII without
// escapes.
func plainASCII(tok []byte) bool {
	for _, c := range tok {
		if c < 0x20 || c > 0x7e || c == '\\' {
			return false
		}
	}
	return true
}

// appendPyString appends s as a JSON string the way Python's json.dumps writes it with
// ensure_ascii: \" \\ \n \r \t \b \f, \u00XX for other control characters and DEL, \uXXXX (a
// surrogate pair above U+FFFF) for every other character outside ASCII. Invalid UTF-8 is written
// as U+FFFD, as encoding/json does.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = u(b, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r > 0xffff {
			r -= 0x10000
			b = u(b, 0xd800+(r>>10))
			b = u(b, 0xdc00+(r&0x3ff))
		} else {
			b = u(b, r)
		}
		i += size
	}
	return append(b, '"')
}

// looksPyfly is the cheap test of a payload that may hold pyfly's envelope: to_json starts
// with its event_id key. Only such payloads are parsed by [fromPyfly].
func looksPyfly(p []byte) bool {
	return len(p) > 12 && p[0] == '{' && p[1] == '"' && string(p[2:11]) == `event_id"`
}

// pyflyRow is pyfly's envelope as from_json reads it.
type pyflyRow struct {
	EventID       *string         `json:"event_id"`
	AggregateID   *string         `json:"aggregate_id"`
	AggregateType *string         `json:"aggregate_type"`
	Sequence      json.RawMessage `json:"sequence"`
	EventType     *string         `json:"event_type"`
	Payload       json.RawMessage `json:"payload"`
	Metadata      json.RawMessage `json:"metadata"`
	OccurredAt    *string         `json:"occurred_at"`
	Version       json.RawMessage `json:"version"`
}

// fromPyfly recognises a row whose payload holds pyfly's envelope (to_json): every key from_json
// requires is there and its event_id is the row's. It then sets e's payload and time from the
// envelope and returns the envelope's metadata (pyfly's first generation writes '{}' into the
// metadata column), with ok true. Any other row is left as it is (ok false): its payload is the
// event's. The row's columns keep the event's id, place, type, version and tenant, which pyfly
// writes alike into both.
func fromPyfly(e *es.Envelope) (metadata []byte, ok bool, err error) {
	if !looksPyfly(e.Payload) {
		return nil, false, nil
	}
	var row pyflyRow
	if json.Unmarshal(e.Payload, &row) != nil || row.EventID == nil || *row.EventID != e.EventID ||
		row.AggregateID == nil || row.AggregateType == nil || row.Sequence == nil || row.EventType == nil ||
		row.Payload == nil || row.Metadata == nil || row.OccurredAt == nil || row.Version == nil {
		return nil, false, nil
	}
	at, err := parseISOTime(*row.OccurredAt)
	if err != nil {
		return nil, true, fmt.Errorf("pyfly envelope's occurred_at %.40q: not an ISO 8601 time", *row.OccurredAt)
	}
	e.Payload = bytes.TrimSpace(row.Payload)
	e.OccurredAt = at
	return row.Metadata, true, nil
}
