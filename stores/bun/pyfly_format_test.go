package bunstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// pyflyEnvelope is what pyfly's StoredEventEnvelope.from_json builds from a payload column.
type pyflyEnvelope struct {
	Keys          []string // in the order the JSON has them
	EventID       string
	AggregateID   string
	AggregateType string
	Sequence      int64
	EventType     string
	Payload       map[string]any
	Metadata      map[string]any
	OccurredAt    time.Time
	Version       int64
	TenantID      *string
}

// pyflyRequired are the keys from_json reads with data[key]: a missing one is a KeyError.
var pyflyRequired = []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata", "occurred_at", "version"}

// isoformat is what Python's datetime.fromisoformat reads before 3.11 (what isoformat writes),
// with the offset an aware time has.
var isoformat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}(\d{3})?)?[+-]\d{2}:\d{2}$`)

// pyflyFromJSON applies from_json's rules to text, a test-side reimplementation: json.loads, every
// required key present (tenant_id optional, read with .get), the values of the types its
// dataclass takes, occurred_at through fromisoformat. The error says what pyfly would raise.
func pyflyFromJSON(text string) (pyflyEnvelope, error) {
	var env pyflyEnvelope
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return env, fmt.Errorf("json.loads gives no object: %v", err)
	}
	data := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return env, err
		}
		key := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return env, err
		}
		if _, dup := data[key]; dup {
			return env, fmt.Errorf("key %q twice", key)
		}
		data[key] = v
		env.Keys = append(env.Keys, key)
	}
	for _, k := range pyflyRequired {
		if _, ok := data[k]; !ok {
			return env, fmt.Errorf("KeyError: %q", k)
		}
	}
	str := func(k string) (string, error) {
		s, ok := data[k].(string)
		if !ok {
			return "", fmt.Errorf("%s is not a str: %v", k, data[k])
		}
		return s, nil
	}
	integer := func(k string) (int64, error) {
		n, ok := data[k].(json.Number)
		if !ok {
			return 0, fmt.Errorf("%s is not an int: %v", k, data[k])
		}
		return n.Int64()
	}
	object := func(k string) (map[string]any, error) {
		m, ok := data[k].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not a dict: %v", k, data[k])
		}
		return m, nil
	}
	var err error
	for _, f := range []struct {
		key string
		to  *string
	}{{"event_id", &env.EventID}, {"aggregate_id", &env.AggregateID}, {"aggregate_type", &env.AggregateType}, {"event_type", &env.EventType}} {
		if *f.to, err = str(f.key); err != nil {
			return env, err
		}
	}
	if env.Sequence, err = integer("sequence"); err != nil {
		return env, err
	}
	if env.Version, err = integer("version"); err != nil {
		return env, err
	}
	if env.Payload, err = object("payload"); err != nil {
		return env, err
	}
	if env.Metadata, err = object("metadata"); err != nil {
		return env, err
	}
	occurred, err := str("occurred_at")
	if err != nil {
		return env, err
	}
	if !isoformat.MatchString(occurred) {
		return env, fmt.Errorf("ValueError: Invalid isoformat string: %q", occurred)
	}
	if env.OccurredAt, err = time.Parse(time.RFC3339Nano, occurred); err != nil {
		return env, err
	}
	switch v := data["tenant_id"].(type) {
	case nil:
	case string:
		env.TenantID = &v
	default:
		return env, fmt.Errorf("tenant_id is neither str nor None: %v", v)
	}
	return env, nil
}

// columnsOf reads an event's payload and metadata columns as stored.
func columnsOf(t *testing.T, db *bun.DB, eventID string) (payload, metadata string) {
	t.Helper()
	require.NoError(t, db.NewSelect().Table(bunstore.TableEvents).Column("payload", "metadata").
		Where("event_id = ?", eventID).Scan(context.Background(), &payload, &metadata))
	return payload, metadata
}

// With payload-format pyfly the payload column holds to_json's envelope, which pyfly's from_json
// reads back to the same event (byte for byte what pyfly writes, for one known event), and the
// metadata column the metadata's JSON. Whatever the format a store writes, it reads a table that
// mixes both: the same envelopes come back.
func TestPyflyPayloadFormat(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, b.url(t))
			pyfly := newEventStore(t, db, bunstore.WithPayloadFormat(bunstore.PayloadPyfly))
			compact := newEventStore(t, db)

			first := es.Envelope{
				EventID: "e1000000-0000-4000-8000-000000000001", EventType: "OrderPlaced",
				Payload:    json.RawMessage(`{"note":"Café ☃ 😀","amount":99,"ctrl":"a\tb\u0001\"q\" </>&` + "\x7f" + `"}`),
				Metadata:   map[string]any{"correlation_id": "c-1", "n": 1.5},
				OccurredAt: time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC), Version: 1, TenantID: "t-1",
			}
			second := es.Envelope{
				EventID: "e1000000-0000-4000-8000-000000000002", EventType: "OrderShipped",
				Payload:    json.RawMessage(`{"carrier":"\u003cDHL\u003e","tags":["a", "b"],"at":null,"n":-1.5e3}`),
				Metadata:   map[string]any{},
				OccurredAt: time.Date(2026, 3, 1, 9, 20, 0, 250000999, time.FixedZone("CET", 3600)), Version: 3,
			}
			third := es.Envelope{
				EventID: "e1000000-0000-4000-8000-000000000003", EventType: "OrderNoted",
				Payload: json.RawMessage(`{"note":"compact"}`), Metadata: map[string]any{"k": "v"},
				OccurredAt: time.Date(2026, 3, 1, 9, 21, 0, 0, time.UTC), Version: 1,
			}
			require.NoError(t, pyfly.Append(ctx, "o-1", "Order", 0, []es.Envelope{first, second}))
			require.NoError(t, compact.Append(ctx, "o-1", "Order", 2, []es.Envelope{third}))

			payload, metadata := columnsOf(t, db, first.EventID)
			assert.Equal(t, `{"event_id": "e1000000-0000-4000-8000-000000000001", "aggregate_id": "o-1", "aggregate_type": "Order", `+
				`"sequence": 1, "event_type": "OrderPlaced", "payload": {"note": "Caf\u00e9 \u2603 \ud83d\ude00", "amount": 99, `+
				`"ctrl": "a\tb\u0001\"q\" </>&\u007f"}, "metadata": {"correlation_id": "c-1", "n": 1.5}, `+
				`"occurred_at": "2026-03-01T09:15:00+00:00", "version": 1, "tenant_id": "t-1"}`, payload, "what pyfly's to_json writes")
			assert.Equal(t, `{"correlation_id": "c-1", "n": 1.5}`, metadata, "what pyfly's json.dumps writes")

			for i, e := range []es.Envelope{first, second} {
				payload, metadata := columnsOf(t, db, e.EventID)
				got, err := pyflyFromJSON(payload)
				require.NoError(t, err, payload)
				assert.Equal(t, []string{"event_id", "aggregate_id", "aggregate_type", "sequence", "event_type", "payload", "metadata",
					"occurred_at", "version", "tenant_id"}, got.Keys, "to_json's keys in its order")
				assert.Regexp(t, `^[\x20-\x7e]*$`, payload, "ensure_ascii")
				assert.Equal(t, e.EventID, got.EventID)
				assert.Equal(t, "o-1", got.AggregateID)
				assert.Equal(t, "Order", got.AggregateType)
				assert.Equal(t, int64(i+1), got.Sequence)
				assert.Equal(t, e.EventType, got.EventType)
				assert.JSONEq(t, string(e.Payload), string(must(json.Marshal(got.Payload))))
				assert.JSONEq(t, string(must(json.Marshal(e.Metadata))), string(must(json.Marshal(got.Metadata))))
				assert.True(t, e.OccurredAt.Truncate(time.Microsecond).Equal(got.OccurredAt), "%s, %s", e.OccurredAt, got.OccurredAt)
				assert.Equal(t, int64(e.Version), got.Version)
				if e.TenantID == "" {
					assert.Nil(t, got.TenantID)
				} else {
					assert.Equal(t, e.TenantID, *got.TenantID)
				}
				var md map[string]any
				require.NoError(t, json.Unmarshal([]byte(metadata), &md))
				assert.Equal(t, e.Metadata, md)
			}
			payload, _ = columnsOf(t, db, second.EventID)
			assert.Contains(t, payload, `"payload": {"carrier": "<DHL>", "tags": ["a", "b"], "at": null, "n": -1.5e3}`)
			assert.Contains(t, payload, `"occurred_at": "2026-03-01T08:20:00.250000+00:00"`)
			payload, _ = columnsOf(t, db, third.EventID)
			assert.Equal(t, `{"note":"compact"}`, payload, "the default format stores the payload alone")

			// Both stores read the mixed table alike, as the events were appended.
			want := []es.Envelope{first, second, third}
			for i := range want {
				want[i].AggregateID, want[i].AggregateType, want[i].Sequence = "o-1", "Order", int64(i+1)
				want[i].OccurredAt = want[i].OccurredAt.UTC().Truncate(time.Microsecond)
			}
			want[0].Metadata = map[string]any{"correlation_id": "c-1", "n": 1.5}
			for _, s := range []*bunstore.EventStore{pyfly, compact} {
				got, err := s.Load(ctx, "o-1", 0)
				require.NoError(t, err)
				require.Len(t, got, 3)
				for i := range got {
					assert.JSONEq(t, string(want[i].Payload), string(got[i].Payload))
					got[i].Payload, got[i].GlobalPosition = want[i].Payload, 0
				}
				assert.Equal(t, want, got)
				all := readAll(t, s)
				require.Equal(t, ids(want), ids(all))
			}
		})
	}
}

// A payload-format the store does not write is refused when the store is built.
func TestPayloadFormatIsChecked(t *testing.T) {
	db := openDB(t, "sqlite::memory:")
	_, err := bunstore.NewEventStore(db, bunstore.WithPayloadFormat("python"))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), `"python": valid formats: compact, pyfly`)
}
