package brokertest

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// DuplicatesWindow is how long the streams of [NewJetStreamStream] remember message ids: a
// message whose id the stream has stored within it is dropped.
const DuplicatesWindow = 10 * time.Minute

// JetStreamStream is a JetStream stream of one test, with a subject of its own, on a NATS server
// or cluster.
type JetStreamStream struct {
	// Name is the stream's name.
	Name string
	// Subject is the stream's one subject, the Watermill topic its publishers send to.
	Subject string

	url string
	js  nats.JetStreamContext
}

// NewJetStreamStream creates a stream for t on the server or cluster at url (one client URL, or
// several separated by commas), with replicas copies of each message (1, or up to the number of
// nodes of a cluster) and de-duplication on the message id within [DuplicatesWindow]. The stream
// is deleted when t ends.
func NewJetStreamStream(t *testing.T, url string, replicas int) *JetStreamStream {
	t.Helper()
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	s := &JetStreamStream{
		Name:    "OUTBOX_" + hex.EncodeToString(suffix[:]),
		Subject: "outbox.events." + hex.EncodeToString(suffix[:]),
		url:     url,
	}
	nc, err := nats.Connect(url, reconnectOptions()...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	s.js, err = nc.JetStream()
	require.NoError(t, err)
	_, err = s.js.AddStream(&nats.StreamConfig{Name: s.Name, Subjects: []string{s.Subject},
		Replicas: replicas, Duplicates: DuplicatesWindow})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.js.DeleteStream(s.Name) })
	return s
}

// reconnectOptions keep a client trying the servers of its URLs, without limit, when its server
// goes away.
func reconnectOptions() []nats.Option {
	return []nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond)}
}

// Publisher returns a publish function for an outbox: the EDA publisher over a Watermill NATS
// publisher of its own onto the stream's subject, connected with the stream's URLs, reconnecting
// to another server without limit, and sending each message's id, the event id, as Nats-Msg-Id
// (TrackMsgId). It is closed when t ends.
func (s *JetStreamStream) Publisher(t *testing.T) outbox.PublishFunc {
	t.Helper()
	pub, err := wmnats.NewPublisher(wmnats.PublisherConfig{
		URL: s.url, NatsOptions: reconnectOptions(), Marshaler: &wmnats.NATSMarshaler{},
		JetStream: wmnats.JetStreamConfig{TrackMsgId: true},
	}, watermill.NopLogger{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pub.Close() })
	return eda.NewPublisher(pub, s.Subject).Publish
}

// Check checks the stream against the events stored for the given aggregates: it holds each
// once ([JetStreamStream.CheckExactlyOnce]), and a Watermill subscriber receives every event with the
// EDA headers ([CheckMessages]).
func (s *JetStreamStream) Check(t *testing.T, events es.EventStore, aggregateIDs []string) {
	t.Helper()
	s.CheckExactlyOnce(t, events, aggregateIDs)
	sub, err := wmnats.NewSubscriber(wmnats.SubscriberConfig{
		URL: s.url, NatsOptions: reconnectOptions(), Unmarshaler: &wmnats.NATSMarshaler{},
		AckWaitTimeout: 5 * time.Second, CloseTimeout: time.Second,
		JetStream: wmnats.JetStreamConfig{SubscribeOptions: []nats.SubOpt{nats.DeliverAll(), nats.AckExplicit()}},
	}, watermill.NopLogger{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Close() })
	msgs, err := sub.Subscribe(t.Context(), s.Subject)
	require.NoError(t, err)
	CheckMessages(t, msgs, events, aggregateIDs, nil)
}

// replicaCatchUp is how long [JetStreamStream.CheckExactlyOnce] gives the stream's replicas to
// become current: a node restarted during a run may still be copying the last messages when the
// run ends.
const replicaCatchUp = 30 * time.Second

// replicated returns the stream's information once every replica is online and current, or the
// last one read when within is over.
func (s *JetStreamStream) replicated(t *testing.T, within time.Duration) *nats.StreamInfo {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		info, err := s.js.StreamInfo(s.Name)
		require.NoError(t, err)
		if info.Cluster == nil || time.Now().After(deadline) || allCurrent(info.Cluster.Replicas) {
			return info
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allCurrent reports whether every replica is online and current.
func allCurrent(replicas []*nats.PeerInfo) bool {
	for _, r := range replicas {
		if !r.Current || r.Offline {
			return false
		}
	}
	return true
}

// CheckExactlyOnce reads the whole stream and checks that it holds each event stored for the
// given aggregates exactly once, and nothing else: one message per event (by its event_id
// header), its Nats-Msg-Id the event id, and each aggregate's events in sequence order, 1, 2,
// 3, … It also checks that every
// replica of the stream is online and current, giving a replica that is catching up (a node
// restarted during the run) up to replicaCatchUp.
func (s *JetStreamStream) CheckExactlyOnce(t *testing.T, events es.EventStore, aggregateIDs []string) {
	t.Helper()
	want := storedEvents(t, events, aggregateIDs)
	info := s.replicated(t, replicaCatchUp)
	assert.Equal(t, uint64(len(want)), info.State.Msgs, "one message in the stream per stored event")
	if info.Cluster != nil {
		for _, r := range info.Cluster.Replicas {
			assert.True(t, r.Current && !r.Offline, "replica %s of stream %s is online and current: %+v", r.Name, s.Name, r)
		}
	}

	sub, err := s.js.SubscribeSync(s.Subject, nats.OrderedConsumer(), nats.DeliverAll())
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	seen := make(map[string]uint64, len(want))        // event id -> stream sequence
	last := make(map[string]int64, len(aggregateIDs)) // aggregate id -> last sequence read
	problems := 0
	report := func(format string, args ...any) {
		if problems++; problems <= 20 {
			t.Errorf(format, args...)
		}
	}
	for pending := info.State.Msgs; pending > 0; {
		m, err := sub.NextMsg(30 * time.Second)
		require.NoError(t, err, "read the stream: %d of %d messages read", len(seen), info.State.Msgs)
		meta, err := m.Metadata()
		require.NoError(t, err)
		pending = meta.NumPending
		id := m.Header.Get(eda.MetaEventID)
		if got := m.Header.Get(nats.MsgIdHdr); got != id {
			report("message %d (event %s) has Nats-Msg-Id %q, want the event id", meta.Sequence.Stream, id, got)
		}
		if first, dup := seen[id]; dup {
			report("event %s is in the stream twice: at %d and %d", id, first, meta.Sequence.Stream)
			continue
		}
		seen[id] = meta.Sequence.Stream
		e, ok := want[id]
		if !ok {
			report("message %d of the stream (event id %q) is no stored event", meta.Sequence.Stream, id)
			continue
		}
		if got := m.Header.Get(eda.MetaAggregateID); got != e.AggregateID {
			report("message %d (event %s) names aggregate %q, want %q", meta.Sequence.Stream, id, got, e.AggregateID)
		}
		if got := m.Header.Get(eda.MetaSequence); got != strconv.FormatInt(e.Sequence, 10) {
			report("message %d (event %s) has sequence %q, want %d", meta.Sequence.Stream, id, got, e.Sequence)
		}
		if e.Sequence != last[e.AggregateID]+1 {
			report("aggregate %s: sequence %d follows %d in the stream (message %d)", e.AggregateID, e.Sequence, last[e.AggregateID], meta.Sequence.Stream)
		}
		last[e.AggregateID] = e.Sequence
	}
	missing := 0
	for id := range want {
		if _, ok := seen[id]; !ok {
			missing++
		}
	}
	assert.Zero(t, missing, "stored events missing from the stream, of %d", len(want))
	if problems > 20 {
		t.Errorf("%d problems in all", problems)
	}
}
