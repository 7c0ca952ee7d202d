package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/stores/memory"
)

// OutboxStream runs the outbox of pyfly.eventsourcing.outbox.mode stream, an outbox.Stream that
// publishes every event of the event store's global stream through the module's publisher, from
// [OutboxStream.Start] to [OutboxStream.Stop]. Its position (the projection outbox:<name>), its
// lease and its dead letters live with the projections' checkpoints.
type OutboxStream struct {
	s     *Settings
	dbs   *Databases
	store es.EventStore
	pub   *eda.Publisher

	mu     sync.Mutex
	stream *outbox.Stream // between Start and Stop
}

// NewOutboxStream plans the outbox stream over store, publishing through pub, or returns nil
// when the outbox is disabled or in mode records (see [NewOutbox]). It checks the settings and
// does no I/O: the stream is built and started by Start, once dbs has opened the checkpoint
// database.
func NewOutboxStream(s *Settings, dbs *Databases, store es.EventStore, pub *eda.Publisher) (*OutboxStream, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewOutboxStream: settings are nil; build them with NewSettings")
	}
	if !s.Config.Outbox.Stream() {
		return nil, nil
	}
	if store == nil {
		return nil, errors.New("eventsourcing: NewOutboxStream: the event store is nil")
	}
	if err := requirePublisher(pub); err != nil {
		return nil, err
	}
	if s.Checkpoints.Provider == config.ProviderBun {
		if err := checkDatabases(s, dbs, "NewOutboxStream"); err != nil {
			return nil, err
		}
		if err := dbs.useCheckpoints(); err != nil {
			return nil, err
		}
	}
	o := &OutboxStream{s: s, dbs: dbs, store: store, pub: pub}
	if dbs != nil && dbs.settings == s {
		dbs.stream.Store(o) // for the gauges and health
	}
	// A throwaway stream (NewStream does no I/O) checks what Start would refuse.
	if _, err := o.build(checkpointStores{checkpoints: memory.NewCheckpointStore(), lease: memory.NewLease(),
		deadLetters: memory.NewDeadLetterStore()}); err != nil {
		return nil, &config.Error{Key: config.Root + ".outbox", Err: cause(err)}
	}
	return o, nil
}

// build returns the stream over the given stores.
func (o *OutboxStream) build(cs checkpointStores) (*outbox.Stream, error) {
	cfg := o.s.Config.Outbox // checked by NewSettings
	settings := cfg.Config
	settings.Logger = o.s.logger()
	settings.Observer = o.s.Observer
	return outbox.NewStream(o.store, o.pub.Publish, outbox.StreamConfig{
		Config: settings, Checkpoints: cs.checkpoints, Lease: cs.lease, DeadLetters: cs.deadLetters,
		StartFrom: cfg.StartFrom, CheckpointInterval: cfg.CheckpointInterval,
	})
}

// Start builds the stream on the checkpoint database and starts it; it runs until Stop,
// whatever ctx. Start after a successful Start does nothing.
func (o *OutboxStream) Start(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stream != nil {
		return nil
	}
	cs, err := openCheckpointStores(o.s, o.dbs, "outbox stream")
	if err != nil {
		return err
	}
	st, err := o.build(cs)
	if err != nil {
		return err
	}
	if err := st.Start(ctx); err != nil {
		return fmt.Errorf("eventsourcing: %w", err)
	}
	o.stream = st
	o.s.logger().InfoContext(ctx, "eventsourcing: outbox stream started", "outbox", st.Name(),
		"projection", outbox.StreamName(st.Name()), "checkpoints", describeTarget(o.s.Checkpoints))
	return nil
}

// Stop stops the stream, waiting for the publishes in flight within ctx's deadline, and stores
// its position.
func (o *OutboxStream) Stop(ctx context.Context) error {
	o.mu.Lock()
	st := o.stream
	o.stream = nil
	o.mu.Unlock()
	if st == nil {
		return nil
	}
	if err := st.Stop(ctx); err != nil {
		return fmt.Errorf("eventsourcing: %w", err)
	}
	return nil
}

// Stream returns the running stream, for its status; nil outside Start and Stop.
func (o *OutboxStream) Stream() *outbox.Stream {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stream
}
