package autoconfig

import (
	"context"
	"errors"
	"time"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eda"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// NewOutbox returns the transactional outbox pyfly.eventsourcing.outbox.* configures, publishing
// through pub, or nil when outbox.enabled is false or outbox.mode is stream (see
// [NewOutboxStream]). Its store lives in the event store's database
// (memory.OutboxStore in memory; on Bun a store that forwards to bunstore.OutboxStore once
// dbs has started). Start and stop it with the application (the module does); it does no I/O.
func NewOutbox(s *Settings, dbs *Databases, pub *eda.Publisher) (*outbox.Outbox, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewOutbox: settings are nil; build them with NewSettings")
	}
	if !s.Config.Outbox.Enabled || s.Config.Outbox.Stream() {
		return nil, nil
	}
	if err := requirePublisher(pub); err != nil {
		return nil, err
	}
	var store outbox.Store
	if s.Outbox.Provider == config.ProviderBun {
		if err := checkDatabases(s, dbs, "NewOutbox"); err != nil {
			return nil, err
		}
		fs := &outboxStore{db: dbs.outbox, slot: newSlot[bunOutboxStore](s.Outbox.Name)}
		if err := dbs.attach(fs); err != nil {
			return nil, err
		}
		store = fs
	} else if dbs != nil && dbs.settings == s {
		store = dbs.mem.outbox // the inspector reads it
	} else {
		store = memory.NewOutboxStore()
	}
	settings := s.Config.Outbox.Config // checked by NewSettings
	settings.Logger = s.logger()
	settings.Observer = s.Observer
	ob, err := outbox.New(store, pub.Publish, outbox.WithConfig(settings))
	if err != nil {
		return nil, &config.Error{Key: config.Root + ".outbox", Err: cause(err)}
	}
	return ob, nil
}

// requirePublisher refuses an enabled outbox without a publisher to deliver to.
func requirePublisher(pub *eda.Publisher) error {
	if pub != nil {
		return nil
	}
	return &config.Error{Key: config.Root + ".outbox.enabled", Reason: "is true but the application has no Watermill publisher " +
		"to deliver to: provide one as message.Publisher (fx.Annotate(newPublisher, fx.As(new(message.Publisher)))), or disable the outbox"}
}

// bunOutboxStore is what the forwarding store needs of the Bun outbox store.
type bunOutboxStore interface {
	outbox.Store
	outbox.AppendEnqueuer
	outbox.DeliveredDeleter
	es.CommitNotifier
}

// outboxStore forwards to the Bun outbox store once its database is open.
type outboxStore struct {
	db   *database
	slot *slot[bunOutboxStore]
}

var (
	_ outbox.Store            = (*outboxStore)(nil)
	_ outbox.AppendEnqueuer   = (*outboxStore)(nil)
	_ outbox.DeliveredDeleter = (*outboxStore)(nil)
	_ es.CommitNotifier       = (*outboxStore)(nil)
)

func (s *outboxStore) bind() error {
	st, err := bunstore.NewOutboxStore(s.db.handle())
	if err != nil {
		return &wrapped{msg: "eventsourcing: outbox: " + cause(err).Error(), err: err}
	}
	s.slot.set(st)
	return nil
}

func (s *outboxStore) stop() { s.slot.stop() }

// JoinsTx forwards to the Bun store; false before start.
func (s *outboxStore) JoinsTx(ctx context.Context) bool {
	st, err := s.slot.get()
	return err == nil && st.JoinsTx(ctx)
}

// CommitNotifications forwards to the Bun store once it is bound.
func (s *outboxStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	return forwardNotifications(ctx, s.slot)
}

// Enqueue forwards to the Bun store.
func (s *outboxStore) Enqueue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	st, err := s.slot.get()
	if err != nil {
		return err
	}
	return st.Enqueue(ctx, name, events, at)
}

// EnqueueWithAppend forwards to the Bun store (see outbox.AppendEnqueuer), with the Bun store as
// via: this wrapper's Enqueue is the Bun store's. Asked through another via, or before start, it
// makes no request.
func (s *outboxStore) EnqueueWithAppend(ctx context.Context, via outbox.Store, name string, events []es.Envelope, at time.Time) (context.Context, func() bool) {
	st, err := s.slot.get()
	if err != nil || via != outbox.Store(s) {
		return ctx, func() bool { return false }
	}
	return st.EnqueueWithAppend(ctx, st, name, events, at)
}

// Claim forwards to the Bun store.
func (s *outboxStore) Claim(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Record, error) {
	st, err := s.slot.get()
	if err != nil {
		return nil, err
	}
	return st.Claim(ctx, req)
}

// MarkDelivered forwards to the Bun store.
func (s *outboxStore) MarkDelivered(ctx context.Context, name string, claims []outbox.Claim, at time.Time) (int, error) {
	st, err := s.slot.get()
	if err != nil {
		return 0, err
	}
	return st.MarkDelivered(ctx, name, claims, at)
}

// MarkFailed forwards to the Bun store.
func (s *outboxStore) MarkFailed(ctx context.Context, name string, claim outbox.Claim, f outbox.Failure) (bool, error) {
	st, err := s.slot.get()
	if err != nil {
		return false, err
	}
	return st.MarkFailed(ctx, name, claim, f)
}

// DeleteDelivered forwards to the Bun store (see outbox.DeliveredDeleter).
func (s *outboxStore) DeleteDelivered(ctx context.Context, name string, claims []outbox.Claim) (int, error) {
	st, err := s.slot.get()
	if err != nil {
		return 0, err
	}
	return st.DeleteDelivered(ctx, name, claims)
}

// Release forwards to the Bun store.
func (s *outboxStore) Release(ctx context.Context, name string, claims []outbox.Claim) error {
	st, err := s.slot.get()
	if err != nil {
		return err
	}
	return st.Release(ctx, name, claims)
}

// Pending forwards to the Bun store.
func (s *outboxStore) Pending(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	st, err := s.slot.get()
	if err != nil {
		return nil, err
	}
	return st.Pending(ctx, name, limit)
}

// DeadLetters forwards to the Bun store.
func (s *outboxStore) DeadLetters(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	st, err := s.slot.get()
	if err != nil {
		return nil, err
	}
	return st.DeadLetters(ctx, name, limit)
}

// Retry forwards to the Bun store.
func (s *outboxStore) Retry(ctx context.Context, name, id string) error {
	st, err := s.slot.get()
	if err != nil {
		return err
	}
	return st.Retry(ctx, name, id)
}

// Prune forwards to the Bun store.
func (s *outboxStore) Prune(ctx context.Context, name string, before time.Time, limit int) (int, error) {
	st, err := s.slot.get()
	if err != nil {
		return 0, err
	}
	return st.Prune(ctx, name, before, limit)
}
