package autoconfig

import (
	"context"
	"errors"
	"sync"

	"github.com/gofly/eventsourcing/config"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Inspector is the inspect.Inspector of the module's stores, for health checks and gauges: a
// bunstore.Admin on the event store's database (and the checkpoint database) when the event
// store is on Bun, a memory.Inspector of the module's memory stores otherwise. It reads the
// stores from [Databases.Start] to [Databases.Close]; before, its methods return an error
// matching [ErrNotStarted]. Projections are judged failing after
// pyfly.eventsourcing.health.projection-stall. With the event store on Bun and the checkpoints
// in memory, it lists no projections.
type Inspector struct {
	d *Databases

	mu sync.Mutex
	in inspect.Inspector // built at the first call after Start
}

var _ inspect.Inspector = (*Inspector)(nil)

// Inspector returns the inspector of the stores d holds (see [Inspector]).
func (d *Databases) Inspector() *Inspector { return d.inspector }

// current returns the inspector, building it once the databases have started.
func (i *Inspector) current() (inspect.Inspector, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.in != nil {
		return i.in, nil
	}
	d := i.d
	s := d.settings
	stall := s.Config.Health.ProjectionStall
	if s.EventStore.Provider == config.ProviderBun {
		db := d.store.handle()
		if db == nil {
			return nil, notStarted("inspector")
		}
		opts := []bunstore.AdminOption{bunstore.WithStallThreshold(stall)}
		if cp := d.checkpoints.handle(); cp != nil {
			opts = append(opts, bunstore.WithCheckpointDB(cp))
		}
		a, err := bunstore.NewAdmin(db, opts...)
		if err != nil {
			return nil, err
		}
		i.in = a
		return a, nil
	}
	m := d.memoryStores()
	events := m.eventStore()
	if events == nil {
		return nil, notStarted("inspector (no event store was built)")
	}
	mi, err := memory.NewInspector(memory.InspectorStores{Events: events, Checkpoints: m.checkpoints, Lease: m.lease,
		DeadLetters: m.letters, Outbox: m.outbox, StallThreshold: stall})
	if err != nil {
		return nil, err
	}
	i.in = mi
	return mi, nil
}

// Ping implements inspect.Inspector.
func (i *Inspector) Ping(ctx context.Context) error {
	in, err := i.current()
	if err != nil {
		return err
	}
	return in.Ping(ctx)
}

// CheckSchema implements inspect.Inspector.
func (i *Inspector) CheckSchema(ctx context.Context) error {
	in, err := i.current()
	if err != nil {
		return err
	}
	return in.CheckSchema(ctx)
}

// Projections implements inspect.Inspector.
func (i *Inspector) Projections(ctx context.Context) ([]inspect.Projection, error) {
	in, err := i.current()
	if err != nil {
		return nil, err
	}
	return in.Projections(ctx)
}

// Outboxes implements inspect.Inspector.
func (i *Inspector) Outboxes(ctx context.Context) ([]inspect.Outbox, error) {
	in, err := i.current()
	if err != nil {
		return nil, err
	}
	return in.Outboxes(ctx)
}

// Horizon implements inspect.Inspector.
func (i *Inspector) Horizon(ctx context.Context) (inspect.Horizon, error) {
	in, err := i.current()
	if err != nil {
		return inspect.Horizon{}, err
	}
	return in.Horizon(ctx)
}

// NewHealthChecker returns the health checker of the module's stores: dbs's [Inspector] judged
// by the thresholds of pyfly.eventsourcing.health.*, with what the runners of p (nil for none)
// and of the outbox stream built on dbs ([NewOutboxStream]) say of themselves. Serve it with
// health.NewHandler.
func NewHealthChecker(s *Settings, dbs *Databases, p *Projections) (*health.Checker, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewHealthChecker: settings are nil; build them with NewSettings")
	}
	if err := checkDatabases(s, dbs, "NewHealthChecker"); err != nil {
		return nil, err
	}
	runners := func() []*projection.Runner { return dbs.runnersWith(p) }
	return health.NewChecker(dbs.inspector, s.Config.Health.Config, health.WithRunners(runners))
}
