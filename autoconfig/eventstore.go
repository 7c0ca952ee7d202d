package autoconfig

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Upcasters is the ordered list of upcasters the module's event store applies on every read path.
// Supply it to the Fx graph, for example fx.Supply(autoconfig.Upcasters{orderPlacedV2{}}); it is
// optional.
type Upcasters []es.Upcaster

// NewEventStore returns the event store s selects, applying ups in order on every read.
//
// In memory it is a memory.EventStore, usable at once. On Bun it is a store that forwards every
// call to the bunstore.EventStore that dbs builds when [Databases.Start] has opened the
// database: before that, and after [Databases.Close], its methods return an error matching
// [ErrNotStarted] or [ErrStopped]. It implements es.Transactor (InTx runs the Bun store's InTx, so
// bunstore.TxFrom works inside it), es.TxJoiner and es.CommitNotifier, and Unwrap() returns the
// bunstore.EventStore while the database is open, nil otherwise. It writes the payload column in
// pyfly.eventsourcing.store.payload-format (bunstore.WithPayloadFormat) and reads every format.
// NewEventStore does no I/O.
func NewEventStore(s *Settings, dbs *Databases, ups Upcasters) (es.EventStore, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewEventStore: settings are nil; build them with NewSettings")
	}
	for i, u := range ups {
		if u == nil {
			return nil, &wrapped{
				msg: fmt.Sprintf("eventsourcing: event store: upcaster %d of %d in autoconfig.Upcasters is nil; every upcaster must be set", i, len(ups)),
				err: es.ErrInvalidArgument,
			}
		}
	}
	if s.EventStore.Provider != config.ProviderBun {
		opts := []memory.Option{memory.WithUpcasters(ups...)}
		if s.Observer != nil {
			opts = append(opts, memory.WithObserver(s.Observer))
		}
		store := memory.NewEventStore(opts...)
		if dbs != nil && dbs.settings == s {
			dbs.mem.events.Store(store) // the inspector reads it
		}
		return store, nil
	}
	if err := checkDatabases(s, dbs, "NewEventStore"); err != nil {
		return nil, err
	}
	st := &eventStore{
		db: dbs.store,
		opts: []bunstore.EventStoreOption{bunstore.WithLogger(s.logger()), bunstore.WithUpcasters(ups...),
			bunstore.WithPayloadFormat(bunstore.PayloadFormat(s.Config.Store.PayloadFormat))},
		slot: newSlot[bunEventStore](s.EventStore.Name),
	}
	if s.Observer != nil {
		st.opts = append(st.opts, bunstore.WithObserver(s.Observer))
	}
	if err := dbs.attach(st); err != nil {
		return nil, err
	}
	return st, nil
}

// checkDatabases refuses Databases built from other settings, which would hold another database.
func checkDatabases(s *Settings, dbs *Databases, fn string) error {
	if dbs == nil {
		return fmt.Errorf("eventsourcing: %s: a bun store needs the *Databases from NewDatabases, got nil", fn)
	}
	if dbs.settings != s {
		return fmt.Errorf("eventsourcing: %s: the *Databases were built from other settings; pass the *Settings given to NewDatabases", fn)
	}
	return nil
}

// bunEventStore is what the forwarding store needs of the Bun store.
type bunEventStore interface {
	es.EventStore
	es.Transactor
	es.TxJoiner
	es.TxEndNotifier
}

// eventStore forwards to the Bun event store once its database is open.
type eventStore struct {
	db   *database
	opts []bunstore.EventStoreOption
	slot *slot[bunEventStore]
}

var (
	_ es.EventStore     = (*eventStore)(nil)
	_ es.Transactor     = (*eventStore)(nil)
	_ es.TxJoiner       = (*eventStore)(nil)
	_ es.CommitNotifier = (*eventStore)(nil)
)

func (s *eventStore) bind() error {
	st, err := bunstore.NewEventStore(s.db.handle(), s.opts...)
	if err != nil {
		return &wrapped{msg: "eventsourcing: event store: " + cause(err).Error(), err: err}
	}
	s.slot.set(st)
	return nil
}

func (s *eventStore) stop() { s.slot.stop() }

// Append forwards to the Bun store.
func (s *eventStore) Append(ctx context.Context, aggregateID, aggregateType string, expected int64, events []es.Envelope) error {
	st, err := s.slot.get()
	if err != nil {
		return err
	}
	return st.Append(ctx, aggregateID, aggregateType, expected, events)
}

// Load forwards to the Bun store.
func (s *eventStore) Load(ctx context.Context, aggregateID string, afterSequence int64) ([]es.Envelope, error) {
	st, err := s.slot.get()
	if err != nil {
		return nil, err
	}
	return st.Load(ctx, aggregateID, afterSequence)
}

// LatestVersion forwards to the Bun store.
func (s *eventStore) LatestVersion(ctx context.Context, aggregateID string) (int64, error) {
	st, err := s.slot.get()
	if err != nil {
		return 0, err
	}
	return st.LatestVersion(ctx, aggregateID)
}

// ReadAll forwards to the Bun store.
func (s *eventStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	st, err := s.slot.get()
	if err != nil {
		return nil, err
	}
	return st.ReadAll(ctx, after, limit)
}

// LastPosition forwards to the Bun store.
func (s *eventStore) LastPosition(ctx context.Context) (int64, error) {
	st, err := s.slot.get()
	if err != nil {
		return 0, err
	}
	return st.LastPosition(ctx)
}

// InTx runs fn in the Bun store's transaction (see bunstore.InTx).
func (s *eventStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	st, err := s.slot.get()
	if err != nil {
		return err
	}
	return st.InTx(ctx, fn)
}

// JoinsTx reports whether ctx carries a transaction on the store's database; false while the
// database is not open.
func (s *eventStore) JoinsTx(ctx context.Context) bool {
	st, err := s.slot.get()
	return err == nil && st.JoinsTx(ctx)
}

// OnTxEnd forwards to the Bun store ([es.TxEndNotifier]); false while the database is not open.
func (s *eventStore) OnTxEnd(ctx context.Context, fn func(committed bool)) bool {
	st, err := s.slot.get()
	return err == nil && st.OnTxEnd(ctx, fn)
}

// CommitNotifications forwards the Bun store's commit signals (see forwardNotifications).
func (s *eventStore) CommitNotifications(ctx context.Context) <-chan struct{} {
	return forwardNotifications(ctx, s.slot)
}

// Unwrap returns the Bun store while its database is open, nil before start and after stop.
func (s *eventStore) Unwrap() es.EventStore {
	st, err := s.slot.get()
	if err != nil {
		return nil
	}
	return st
}
