package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
// valid and unique, each accepted by projection.NewRunner with the configuration's options) and
// does no I/O: the runners are built and started by Start, once dbs has
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
	opts, err := s.checkedRunnerOptions()
	if err != nil {
		return nil, err
	}
	probe := probeStores(opts)
	if n := s.Config.Projection.DeadLetterAfter; n > 0 {
		probe = append(probe, projection.WithDeadLetters(memory.NewDeadLetterStore(), n))
	}
	seen := map[string]bool{}
	for i, p := range ps {
		if p == nil {
			return nil, fmt.Errorf("eventsourcing: projection %d of %d is nil", i, len(ps))
		}
		// A throwaway runner (NewRunner does no I/O) checks what Start would refuse: a bad
		// name, one too long for its lease, a typed projection's registration mistake.
		if _, err := projection.NewRunner(p, store, probe...); err != nil {
			return nil, &wrapped{msg: fmt.Sprintf("eventsourcing: projection %d (%T): %s", i, p, cause(err)), err: err}
		}
		name := p.Name()
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
	opts, err := p.s.checkedRunnerOptions()
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
// default) and checks them on a throwaway runner (NewRunner does no I/O), dead letters included,
// so a bad value fails with the configuration, naming its key. The dead-letter option itself is
// added by Projections.options, with the checkpoint database's store.
func runnerOptions(s *Settings) ([]projection.Option, error) {
	c := s.Config.Projection
	key := func(k string) string { return config.Root + ".projection." + k }
	entries := []keyed[projection.Option]{{opt: projection.WithLogger(s.logger())}}
	add := func(set bool, k string, o projection.Option) {
		if set {
			entries = append(entries, keyed[projection.Option]{key: key(k), opt: o})
		}
	}
	add(c.BatchSize > 0, "batch-size", projection.WithBatchSize(c.BatchSize))
	add(c.CommitSize > 0, "commit-size", projection.WithCommitSize(c.CommitSize))
	add(c.PollInterval > 0, "poll-interval", projection.WithPollInterval(c.PollInterval))
	add(c.StartFrom != "", "start-from", projection.WithStartFrom(projection.StartFrom(c.StartFrom)))
	add(c.LeaseTTL > 0, "lease-ttl", projection.WithLeaseTTL(c.LeaseTTL))
	if c.RetryInitial > 0 || c.RetryMax > 0 {
		initial, maxWait := waitPair(c.RetryInitial, c.RetryMax, projection.DefaultRetryInitial, projection.DefaultRetryMax)
		add(true, "retry-initial", projection.WithRetry(initial, maxWait))
	}
	add(c.DeadLetterAfter > 0, "dead-letter-after", projection.WithDeadLetters(memory.NewDeadLetterStore(), c.DeadLetterAfter))
	probe := projection.FunctionProjection("probe", func(context.Context, es.Envelope) error { return nil })
	opts, err := checkOptions(entries, config.Root+".projection", func(opts []projection.Option) error {
		_, err := projection.NewRunner(probe, memory.NewEventStore(), probeStores(opts)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c.DeadLetterAfter > 0 {
		opts = opts[:len(opts)-1] // the probe's dead-letter store
	}
	return opts, nil
}

// probeStores adds in-memory checkpoints and lease to opts, for a throwaway runner.
func probeStores(opts []projection.Option) []projection.Option {
	return append(slices.Clip(opts), projection.WithCheckpoints(memory.NewCheckpointStore()), projection.WithLease(memory.NewLease()))
}
