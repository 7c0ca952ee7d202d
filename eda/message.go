package eda

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Reserved metadata keys set from the envelope's fields.
const (
	// MetaEventID is the event's id (also the message UUID).
	MetaEventID = "event_id"
	// MetaEventType is the event's type name.
	MetaEventType = "event_type"
	// MetaAggregateID is the id of the aggregate the event belongs to.
	MetaAggregateID = "aggregate_id"
	// MetaAggregateType is the aggregate's type name.
	MetaAggregateType = "aggregate_type"
	// MetaSequence is the aggregate's version after the event, in decimal.
	MetaSequence = "sequence"
	// MetaVersion is the event's schema version, in decimal.
	MetaVersion = "version"
	// MetaOccurredAt is when the event occurred, RFC 3339 in UTC with nanoseconds.
	MetaOccurredAt = "occurred_at"
	// MetaTenantID is the event's tenant, present only when it has one.
	MetaTenantID = "tenant_id"
	// MetaGlobalPosition is the event's position on the store's global stream, in decimal,
	// present only when the envelope was read from a store that numbers it.
	MetaGlobalPosition = "global_position"
)

// watermillPrefix starts the metadata keys Watermill and its adapters use for themselves
// (_watermill_message_uuid, …).
const watermillPrefix = "_watermill"

// IsReserved reports whether an envelope's own metadata may not set key: one of the reserved keys
// above in any letter case (EVENT_ID), or a key of Watermill's own (starting with "_watermill",
// in any case). Brokers and consumers differ in how they treat case, so a look-alike could shadow
// the real header.
func IsReserved(key string) bool {
	switch strings.ToLower(key) {
	case MetaEventID, MetaEventType, MetaAggregateID, MetaAggregateType, MetaSequence,
		MetaVersion, MetaOccurredAt, MetaTenantID, MetaGlobalPosition:
		return true
	}
	return len(key) >= len(watermillPrefix) && strings.EqualFold(key[:len(watermillPrefix)], watermillPrefix)
}

// NewMessage builds the Watermill message for env (see the package documentation). An envelope
// without an EventID, or whose payload is not valid JSON, is an error matching
// [es.ErrInvalidArgument]. Metadata entries that are not strings, or whose key is reserved (see
// [IsReserved]), are not copied; [Publisher] logs them at debug level.
func NewMessage(env es.Envelope) (*message.Message, error) {
	msg, _, err := newMessage(env)
	return msg, err
}

// newMessage is NewMessage that also returns the metadata keys it left out.
func newMessage(env es.Envelope) (*message.Message, []string, error) {
	if env.EventID == "" {
		return nil, nil, errs.Invalid("eda: envelope of %s %q sequence %d: EventID must not be empty", env.AggregateType, env.AggregateID, env.Sequence)
	}
	payload := []byte(env.Payload)
	if len(payload) == 0 {
		payload = []byte("{}")
	} else if !validJSON(payload) {
		return nil, nil, errs.Invalid("eda: envelope %s: payload is not valid JSON", env.EventID)
	}
	msg := message.NewMessage(env.EventID, append([]byte(nil), payload...))
	msg.Metadata = make(message.Metadata, len(env.Metadata)+9) // the reserved keys and the envelope's own: no growth
	var skipped []string
	for k, v := range env.Metadata {
		if s, ok := v.(string); ok && !IsReserved(k) {
			msg.Metadata.Set(k, s)
		} else {
			skipped = append(skipped, k)
		}
	}
	msg.Metadata.Set(MetaEventID, env.EventID)
	msg.Metadata.Set(MetaEventType, env.EventType)
	msg.Metadata.Set(MetaAggregateID, env.AggregateID)
	msg.Metadata.Set(MetaAggregateType, env.AggregateType)
	msg.Metadata.Set(MetaSequence, strconv.FormatInt(env.Sequence, 10))
	msg.Metadata.Set(MetaVersion, strconv.Itoa(env.Version))
	msg.Metadata.Set(MetaOccurredAt, env.OccurredAt.UTC().Format(time.RFC3339Nano))
	if env.TenantID != "" {
		msg.Metadata.Set(MetaTenantID, env.TenantID)
	}
	if env.GlobalPosition != 0 {
		msg.Metadata.Set(MetaGlobalPosition, strconv.FormatInt(env.GlobalPosition, 10))
	}
	return msg, skipped, nil
}

// validJSON reports whether payload is valid JSON. Event payloads are JSON objects that stores
// have checked already; check.JSONObject confirms those faster than json.Valid, which decides the
// rest (arrays, scalars, and objects check refuses but JSON allows, such as an escaped NUL).
func validJSON(payload []byte) bool {
	if payload[0] == '{' && check.JSONObject(payload, check.MaxJSONDepth) == "" {
		return true
	}
	return json.Valid(payload)
}
