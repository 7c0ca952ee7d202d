package autoconfig

import (
	"context"
	"errors"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// NewSnapshotStore returns the snapshot store s selects.
//
// In memory it is a memory.SnapshotStore, usable at once. On Bun it is a store that forwards to
// the bunstore.SnapshotStore that dbs builds when [Databases.Start] has opened the database;
// before that, and after [Databases.Close], its methods return an error matching
// [ErrNotStarted] or [ErrStopped]. It implements es.TxJoiner (so a snapshot on the event store's
// database commits with the events), and Unwrap() returns the bunstore.SnapshotStore while the
// database is open, nil otherwise. NewSnapshotStore does no I/O.
func NewSnapshotStore(s *Settings, dbs *Databases) (es.SnapshotStore, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewSnapshotStore: settings are nil; build them with NewSettings")
	}
	if s.SnapshotStore.Provider != config.ProviderBun {
		return memory.NewSnapshotStore(), nil
	}
	if err := checkDatabases(s, dbs, "NewSnapshotStore"); err != nil {
		return nil, err
	}
	st := &snapshotStore{
		db:   dbs.snap,
		opts: []bunstore.SnapshotStoreOption{bunstore.WithLogger(s.logger())},
		slot: newSlot[bunSnapshotStore](s.SnapshotStore.Name),
	}
	if err := dbs.attach(st); err != nil {
		return nil, err
	}
	return st, nil
}

// bunSnapshotStore is what the forwarding store needs of the Bun store.
type bunSnapshotStore interface {
	es.SnapshotStore
	es.TxJoiner
}

// snapshotStore forwards to the Bun snapshot store once its database is open.
type snapshotStore struct {
	db   *database
	opts []bunstore.SnapshotStoreOption
	slot *slot[bunSnapshotStore]
}

var (
	_ es.SnapshotStore = (*snapshotStore)(nil)
	_ es.TxJoiner      = (*snapshotStore)(nil)
)

func (s *snapshotStore) bind() error {
	st, err := bunstore.NewSnapshotStore(s.db.handle(), s.opts...)
	if err != nil {
		return &wrapped{msg: "eventsourcing: snapshot store: " + cause(err).Error(), err: err}
	}
	s.slot.set(st)
	return nil
}

func (s *snapshotStore) stop() { s.slot.stop() }

// Save forwards to the Bun store.
func (s *snapshotStore) Save(ctx context.Context, snap es.Snapshot) error {
	st, err := s.slot.get()
	if err != nil {
		return err
	}
	return st.Save(ctx, snap)
}

// Load forwards to the Bun store.
func (s *snapshotStore) Load(ctx context.Context, aggregateID string) (es.Snapshot, bool, error) {
	st, err := s.slot.get()
	if err != nil {
		return es.Snapshot{}, false, err
	}
	return st.Load(ctx, aggregateID)
}

// Delete forwards to the Bun store.
func (s *snapshotStore) Delete(ctx context.Context, aggregateID string) (bool, error) {
	st, err := s.slot.get()
	if err != nil {
		return false, err
	}
	return st.Delete(ctx, aggregateID)
}

// JoinsTx reports whether the store writes through the transaction ctx carries; false while
// the database is not open.
func (s *snapshotStore) JoinsTx(ctx context.Context) bool {
	st, err := s.slot.get()
	return err == nil && st.JoinsTx(ctx)
}

// Unwrap returns the Bun store while its database is open, nil before start and after stop.
func (s *snapshotStore) Unwrap() es.SnapshotStore {
	st, err := s.slot.get()
	if err != nil {
		return nil
	}
	return st
}
