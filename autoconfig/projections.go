package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/stores/memory"
)

// Projections runs one projection.Runner per projection of the application, configured by
// pyfly.eventsourcing.projection.*, from [Projections.Start] to [Projections.Stop]. Checkpoints,
// the lease that elects one active runner per projection across processes, and dead letters
// live in the checkpoint store's database (the event store's unless projection.checkpoint.url
// says otherwise), or in memory.
type Projections struct {
	s     *Settings
	dbs   *Databases
	store es.EventStore
	list  []projection.Projection

	mu      sync.Mutex
	runners []*projection.Runner
}

// NewProjections plans the runners of ps over store. It checks the projections (none nil, names
// valid and unique) and does no I/O: the runners are built and started by Start, once dbs has
// opened the checkpoint database.
func NewProjections(s *Settings, dbs *Databases, store es.EventStore, ps []projection.Projection) (*Projections, error) {
	if s == nil {
		return nil, errors.New("eventsourcing: NewProjections: settings are nil; build them with NewSettings")
	}
	if store == nil {
		return nil, errors.New("eventsourcing: NewProjections: the event store is nil")
	}
	if s.Checkpoints.Provider == config.ProviderBun && len(ps) > 0 {
		if err := checkDatabases(s, dbs, "NewProjections"); err != nil {
			return nil, err
		}
		if err := dbs.useCheckpoints(); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for i, p := range ps {
		if p == nil {
			return nil, fmt.Errorf("eventsourcing: projection %d of %d is nil", i, len(ps))
		}
		name := p.Name()
		if err := projection.ValidateName("projection name", name); err != nil {
			return nil, fmt.Errorf("eventsourcing: projection %d (%T): %w", i, p, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("eventsourcing: two projections are named %q; each name keeps its own checkpoint, so names must be unique", name)
		}
		seen[name] = true
	}
	return &Projections{s: s, dbs: dbs, store: store, list: ps}, nil
}

// Start builds a runner per projection and starts it; they run until Stop, whatever ctx. A
// failure stops the runners already started. Start after a successful Start does nothing.
func (p *Projections) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.runners != nil || len(p.list) == 0 {
		return nil
	}
	opts, err := p.options()
	if err != nil {
		return err
	}
	runners := make([]*projection.Runner, 0, len(p.list))
	for _, pr := range p.list {
		r, err := projection.NewRunner(pr, p.store, opts...)
		if err == nil {
			err = r.Start(ctx)
		}
		if err != nil {
			for _, started := range runners {
				_ = started.Stop(ctx)
			}
			return fmt.Errorf("eventsourcing: projection %q: %w", pr.Name(), err)
		}
		runners = append(runners, r)
	}
	p.runners = runners
	p.s.logger().InfoContext(ctx, "eventsourcing: projection runners started", "projections", len(runners),
		"checkpoints", describeTarget(p.s.Checkpoints))
	return nil
}

// Stop stops every runner, waiting for the batches in flight within ctx's deadline.
func (p *Projections) Stop(ctx context.Context) error {
	p.mu.Lock()
	runners := p.runners
	p.mu.Unlock()
	var errs []error
	for _, r := range runners {
		if err := r.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("eventsourcing: stop projection %q: %w", r.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// Runners returns the runners started by Start, for their Status; nil before Start.
func (p *Projections) Runners() []*projection.Runner {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*projection.Runner(nil), p.runners...)
}

// Runner returns the runner of the projection named name, or nil.
func (p *Projections) Runner(name string) *projection.Runner {
	for _, r := range p.Runners() {
		if r.Name() == name {
			return r
		}
	}
	return nil
}

// options are the runners' options: the configuration's, and the checkpoint store, lease and
// dead letters of the checkpoint database.
func (p *Projections) options() ([]projection.Option, error) {
	opts, err := runnerOptions(p.s)
	if err != nil {
		return nil, err
	}
	var (
		checkpoints projection.CheckpointStore
		lease       projection.Lease
		deadLetters projection.DeadLetterStore
	)
	if p.s.Checkpoints.Provider == config.ProviderBun {
		db := p.dbs.checkpoints.handle()
		if db == nil {
			return nil, fmt.Errorf("eventsourcing: projections: the checkpoint database %s is not open; start the databases first", p.s.Checkpoints.Redacted())
		}
		cs, err := bunstore.NewCheckpointStore(db)
		if err != nil {
			return nil, err
		}
		l, err := bunstore.NewLease(db)
		if err != nil {
			return nil, err
		}
		dl, err := bunstore.NewDeadLetterStore(db)
		if err != nil {
			return nil, err
		}
		checkpoints, lease, deadLetters = cs, l, dl
	} else {
		checkpoints, lease, deadLetters = memory.NewCheckpointStore(), memory.NewLease(), memory.NewDeadLetterStore()
	}
	opts = append(opts, projection.WithCheckpoints(checkpoints), projection.WithLease(lease))
	if n := p.s.Config.Projection.DeadLetterAfter; n > 0 {
		opts = append(opts, projection.WithDeadLetters(deadLetters, n))
	}
	return opts, nil
}

// runnerOptions maps pyfly.eventsourcing.projection.* onto the runner's options (zero keeps the
// default) and checks them, so a bad value fails with the configuration.
func runnerOptions(s *Settings) ([]projection.Option, error) {
	c := s.Config.Projection
	opts := []projection.Option{projection.WithLogger(s.logger())}
	if c.BatchSize > 0 {
		opts = append(opts, projection.WithBatchSize(c.BatchSize))
	}
	if c.PollInterval > 0 {
		opts = append(opts, projection.WithPollInterval(c.PollInterval))
	}
	if c.StartFrom != "" {
		from, err := projection.ParseStartFrom(c.StartFrom)
		if err != nil {
			return nil, &config.Error{Key: config.Root + ".projection.start-from", Reason: cause(err).Error(), Err: err}
		}
		opts = append(opts, projection.WithStartFrom(from))
	}
	if c.LeaseTTL > 0 {
		opts = append(opts, projection.WithLeaseTTL(c.LeaseTTL))
	}
	if c.RetryInitial > 0 || c.RetryMax > 0 {
		initial, maxWait := c.RetryInitial, c.RetryMax
		if initial == 0 {
			initial = min(projection.DefaultRetryInitial, maxWait)
		}
		if maxWait == 0 {
			maxWait = max(projection.DefaultRetryMax, initial)
		}
		opts = append(opts, projection.WithRetry(initial, maxWait))
	}
	// Check the set on a throwaway runner: NewRunner does no I/O.
	probe := projection.FunctionProjection("probe", func(context.Context, es.Envelope) error { return nil })
	if _, err := projection.NewRunner(probe, memory.NewEventStore(), append(opts, projection.WithCheckpoints(memory.NewCheckpointStore()))...); err != nil {
		return nil, &config.Error{Key: config.Root + ".projection", Reason: cause(err).Error(), Err: err}
	}
	return opts, nil
}
