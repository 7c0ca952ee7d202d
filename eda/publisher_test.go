package eda_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
)

func envelope(t *testing.T, seq int64) es.Envelope {
	t.Helper()
	env, err := es.NewEnvelope(struct {
		Amount int `json:"amount"`
	}{Amount: int(seq)})
	require.NoError(t, err)
	env.EventType = "OrderPlaced"
	env.AggregateID = "order-1"
	env.AggregateType = "Order"
	env.Sequence = seq
	env.OccurredAt = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	return env
}

// recorder records published messages and fails from the failAt-th call on.
type recorder struct {
	mu     sync.Mutex
	topics []string
	msgs   []*message.Message
	failAt int
}

func (r *recorder) Publish(topic string, msgs ...*message.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failAt > 0 && len(r.msgs)+1 >= r.failAt {
		return errors.New("broker down")
	}
	r.topics = append(r.topics, topic)
	r.msgs = append(r.msgs, msgs...)
	return nil
}

func (r *recorder) Close() error { return nil }

func TestMessageHeaders(t *testing.T) {
	env := envelope(t, 3)
	env.TenantID = "acme"
	env.GlobalPosition = 42
	env.Metadata = map[string]any{"correlation_id": "c-1", "count": 3.0, "aggregate_id": "evil", "event_id": "evil"}
	msg, err := eda.NewMessage(env)
	require.NoError(t, err)
	require.Equal(t, env.EventID, msg.UUID)
	require.JSONEq(t, `{"amount":3}`, string(msg.Payload))
	require.Equal(t, message.Metadata{
		"event_id":        env.EventID,
		"event_type":      "OrderPlaced",
		"aggregate_id":    "order-1",
		"aggregate_type":  "Order",
		"sequence":        "3",
		"version":         "1",
		"occurred_at":     "2026-01-02T03:04:05.000000006Z",
		"tenant_id":       "acme",
		"global_position": "42",
		"correlation_id":  "c-1",
	}, msg.Metadata)

	env = envelope(t, 1)
	env.Metadata = map[string]any{"tenant_id": "spoofed"}
	msg, err = eda.NewMessage(env)
	require.NoError(t, err)
	require.Empty(t, msg.Metadata.Get("tenant_id"), "no tenant, and metadata cannot add the reserved key")
	require.Empty(t, msg.Metadata.Get("global_position"))

	env.EventID = ""
	_, err = eda.NewMessage(env)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}

func TestPublishAllInOrderStopsAtFirstError(t *testing.T) {
	rec := &recorder{failAt: 3}
	p := eda.NewPublisher(rec, "")
	require.Equal(t, "pyfly.events", p.Destination())
	envs := []es.Envelope{envelope(t, 1), envelope(t, 2), envelope(t, 3), envelope(t, 4)}
	err := p.PublishAll(context.Background(), envs)
	require.Error(t, err)
	require.Contains(t, err.Error(), "envelope 2 of 4")
	require.Contains(t, err.Error(), envs[2].EventID)
	require.Contains(t, err.Error(), "broker down")
	require.Len(t, rec.msgs, 2)
	require.Equal(t, envs[0].EventID, rec.msgs[0].UUID)
	require.Equal(t, envs[1].EventID, rec.msgs[1].UUID)
	require.Equal(t, []string{"pyfly.events", "pyfly.events"}, rec.topics)
}

func TestPublishCanceledContext(t *testing.T) {
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := eda.NewPublisher(rec, "t").Publish(ctx, envelope(t, 1))
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, rec.msgs)
}

func TestNilPublisher(t *testing.T) {
	var p *eda.Publisher
	require.Nil(t, eda.NewPublisher(nil, "x"))
	require.ErrorIs(t, p.Publish(context.Background(), envelope(t, 1)), eda.ErrNoPublisher)
	require.ErrorIs(t, p.PublishAll(context.Background(), nil), eda.ErrNoPublisher)
	require.Empty(t, p.Destination())
	publish := p.Publish
	require.ErrorIs(t, publish(context.Background(), envelope(t, 1)), eda.ErrNoPublisher)
}

func TestGoChannel(t *testing.T) {
	ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 8}, watermill.NopLogger{})
	t.Cleanup(func() { _ = ps.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := ps.Subscribe(ctx, "orders")
	require.NoError(t, err)
	p := eda.NewPublisher(ps, "orders")
	envs := []es.Envelope{envelope(t, 1), envelope(t, 2)}
	require.NoError(t, p.PublishAll(ctx, envs))
	got := map[string]*message.Message{}
	for range envs {
		select {
		case m := <-msgs:
			m.Ack()
			got[m.UUID] = m
		case <-ctx.Done():
			t.Fatal("message not received")
		}
	}
	for _, env := range envs { // gochannel delivers each message from its own goroutine: any order
		m := got[env.EventID]
		require.NotNil(t, m, "event %s", env.EventID)
		require.Equal(t, env.EventID, m.Metadata.Get("event_id"))
		require.Equal(t, "OrderPlaced", m.Metadata.Get("event_type"))
	}
}

// Keys that look like reserved headers or Watermill's own never reach the message; before the
// rule, EVENT_ID and _watermill_message_uuid were copied from an envelope's metadata.
func TestMetadataCannotShadowHeaders(t *testing.T) {
	env := envelope(t, 1)
	env.Metadata = map[string]any{
		"EVENT_ID": "spoof", "Aggregate_Id": "spoof", "_watermill_message_uuid": "spoof",
		"_WATERMILL_partition": "spoof", "_watermill": "spoof", "count": 3.0, "nested": map[string]any{"a": "b"},
		"user_id": "u-1",
	}
	var logs strings.Builder
	rec := &recorder{}
	pub := eda.NewPublisher(rec, "t", eda.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, pub.Publish(context.Background(), env))
	msg := rec.msgs[0]
	for k := range msg.Metadata {
		require.False(t, strings.EqualFold(k, "event_id") && k != "event_id", "look-alike %q copied", k)
		require.False(t, strings.HasPrefix(strings.ToLower(k), "_watermill"), "Watermill key %q copied", k)
	}
	require.Equal(t, env.EventID, msg.Metadata.Get("event_id"))
	require.Equal(t, "u-1", msg.Metadata.Get("user_id"))
	require.Empty(t, msg.Metadata.Get("count"))
	for _, k := range []string{"EVENT_ID", "_watermill_message_uuid", "count", "nested"} {
		require.Contains(t, logs.String(), k, "left-out key %s is logged at debug level", k)
	}
}

type leakyPublisher struct{}

func (leakyPublisher) Publish(string, ...*message.Message) error {
	return errors.New("dial amqp://guest:s3cr3t?#@broker:5672/: connection refused")
}
func (leakyPublisher) Close() error { return nil }

// A broker error quoting its URL is redacted like a database URL; before the fix it came back as
// the publisher wrote it, password included.
func TestPublishErrorsAreRedacted(t *testing.T) {
	err := eda.NewPublisher(leakyPublisher{}, "t").Publish(context.Background(), envelope(t, 1))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cr3t")
	require.Contains(t, err.Error(), "connection refused")
}

// tokenPublisher fails the way a NATS client quotes its server URL, token included.
type tokenPublisher struct{}

func (tokenPublisher) Publish(string, ...*message.Message) error {
	return errors.New("nats: dial nats://s3cr3tT0k3n@nats.internal:4222: no servers available")
}
func (tokenPublisher) Close() error { return nil }

// A NATS token sits in the URL's user info without a colon; before the fix it was kept as a
// user name and the publish error showed it.
func TestPublishErrorsHideBrokerTokens(t *testing.T) {
	err := eda.NewPublisher(tokenPublisher{}, "t").Publish(context.Background(), envelope(t, 1))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cr3tT0k3n")
	require.Contains(t, err.Error(), "no servers available")
}

// Before the fix, a destination with a NUL byte or invalid UTF-8 was taken as it was, and every
// publish handed it to the broker.
func TestBadDestinationIsAMistake(t *testing.T) {
	for _, dest := range []string{"orders\x00", "\xffevents", "a\x00b"} {
		rec := &recorder{}
		p := eda.NewPublisher(rec, dest)
		require.ErrorIs(t, p.Err(), es.ErrInvalidArgument, "%q", dest)
		require.ErrorContains(t, p.Err(), "eda.NewPublisher: destination: a Watermill topic must")
		require.ErrorIs(t, p.Publish(context.Background(), envelope(t, 1)), es.ErrInvalidArgument)
		require.ErrorIs(t, p.PublishAll(context.Background(), []es.Envelope{envelope(t, 1)}), es.ErrInvalidArgument)
		require.Empty(t, rec.msgs, "nothing is sent")
	}
	require.NoError(t, eda.NewPublisher(&recorder{}, " orders.v1 ").Err())
	var nilPub *eda.Publisher
	require.ErrorIs(t, nilPub.Err(), eda.ErrNoPublisher)
}

// A message's payload is the envelope's, when it is any valid JSON (objects a store would refuse
// included); text that is not JSON is refused.
func TestMessagePayloadIsValidJSON(t *testing.T) {
	env := envelope(t, 1)
	deep := strings.Repeat(`{"a":`, 150) + "1" + strings.Repeat("}", 150)
	for _, payload := range []string{`{"a":[1,2,{"b":null}]}`, `[1,2]`, `"text"`, `{"nul":"\u0000"}`, deep, "{\"bad\":\"\xff\"}"} {
		env.Payload = []byte(payload)
		msg, err := eda.NewMessage(env)
		require.NoError(t, err, "%.40q", payload)
		require.Equal(t, payload, string(msg.Payload))
	}
	for _, payload := range []string{`{"a":`, `{"a":1}}`, `{a:1}`, `nope`, `{"a":1,}`} {
		env.Payload = []byte(payload)
		_, err := eda.NewMessage(env)
		require.ErrorIs(t, err, es.ErrInvalidArgument, payload)
	}
}
