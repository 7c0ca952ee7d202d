package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

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
// valid and unique, each accepted by projection.NewRunner with the configuration's settings) and
// does no I/O: the runners are built and started by Start, once dbs has
// opened the checkpoint database. A projection that projection.versions gives a version while
// projection.partitions (or its own Partitions method) splits it is a *config.Error naming the
// keys, which matches config.ErrInvalidConfig and es.ErrInvalidArgument.
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
	probe := runnerOptions(s, memory.NewCheckpointStore(), memory.NewLease(), memory.NewDeadLetterStore())
	seen := map[string]bool{}
	for i, p := range ps {
		if p == nil {
			return nil, fmt.Errorf("eventsourcing: projection %d of %d is nil", i, len(ps))
		}
		// A throwaway runner (NewRunner does no I/O) checks what Start would refuse: a bad
		// name, one too long for its lease, a typed projection's registration mistake.
		if _, err := projection.NewRunner(p, store, projection.OwnOptions(p, probe)...); err != nil {
			if cerr := versionedPartitions(s.Config, p, err); cerr != nil {
				return nil, cerr
			}
			return nil, &wrapped{msg: fmt.Sprintf("eventsourcing: projection %d (%T): %s", i, p, cause(err)), err: err}
		}
		name := p.Name()
		if seen[name] {
			return nil, fmt.Errorf("eventsourcing: two projections are named %q; each name keeps its own checkpoint, so names must be unique", name)
		}
		seen[name] = true
	}
	p := &Projections{s: s, dbs: dbs, store: store, list: ps}
	if dbs != nil && dbs.settings == s {
		dbs.projs.Store(p) // for the gauges
	}
	return p, nil
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
		r, err := projection.NewRunner(pr, p.store, projection.OwnOptions(pr, opts)...)
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
	cs, err := openCheckpointStores(p.s, p.dbs, "projections")
	if err != nil {
		return nil, err
	}
	opts := runnerOptions(p.s, cs.checkpoints, cs.lease, cs.deadLetters)
	if cs.db != nil && p.s.Config.Projection.Balance {
		b, err := newBalancer(p.s, cs.db)
		if err != nil {
			return nil, err
		}
		opts = append(opts, projection.WithBalancer(b))
	}
	return opts, nil
}

// checkpointStores are the stores of the checkpoint database: checkpoints, the lease and dead
// letters, and the database when it is Bun's (nil in memory).
type checkpointStores struct {
	checkpoints projection.CheckpointStore
	lease       projection.Lease
	deadLetters projection.DeadLetterStore
	db          *bun.DB
}

// openCheckpointStores returns the stores of the checkpoint database s configures, once dbs has
// opened it; user names who needs them in errors. In memory they are the module's own memory
// stores (which the inspector reads), or new ones without dbs.
func openCheckpointStores(s *Settings, dbs *Databases, user string) (checkpointStores, error) {
	if s.Checkpoints.Provider == config.ProviderBun {
		db := dbs.checkpoints.handle()
		if db == nil {
			return checkpointStores{}, fmt.Errorf("eventsourcing: %s: the checkpoint database %s is not open; start the databases first", user, s.Checkpoints.Redacted())
		}
		cs, err := bunstore.NewCheckpointStore(db)
		if err != nil {
			return checkpointStores{}, err
		}
		l, err := bunstore.NewLease(db)
		if err != nil {
			return checkpointStores{}, err
		}
		dl, err := bunstore.NewDeadLetterStore(db)
		if err != nil {
			return checkpointStores{}, err
		}
		return checkpointStores{checkpoints: cs, lease: l, deadLetters: dl, db: db}, nil
	}
	if dbs != nil && dbs.settings == s {
		m := dbs.memoryStores() // the inspector reads them
		return checkpointStores{checkpoints: m.checkpoints, lease: m.lease, deadLetters: m.letters}, nil
	}
	return checkpointStores{checkpoints: memory.NewCheckpointStore(), lease: memory.NewLease(), deadLetters: memory.NewDeadLetterStore()}, nil
}

// runnerOptions are the options of a runner over the given stores: the settings of
// pyfly.eventsourcing.projection.* (checked by NewSettings) with the module's logger, and the
// dead-letter store when dead-letter-after is set.
func runnerOptions(s *Settings, checkpoints projection.CheckpointStore, lease projection.Lease, deadLetters projection.DeadLetterStore) []projection.Option {
	settings := s.Config.Projection.Config
	settings.Logger = s.logger()
	opts := []projection.Option{projection.WithConfig(settings), projection.WithCheckpoints(checkpoints), projection.WithLease(lease)}
	if n := settings.DeadLetterAfter; n > 0 {
		opts = append(opts, projection.WithDeadLetters(deadLetters, n))
	}
	if s.Observer != nil {
		opts = append(opts, projection.WithObserver(s.Observer))
	}
	return opts
}

// versionedPartitions words err, NewRunner's refusal of p, as a *config.Error naming the keys
// at fault when it refuses partitions for a projection that projection.versions gives a version:
// projection.partitions, or, when p asks for its partitions itself (a PartitionedProjection),
// its entry of projection.versions. nil for any other error, and when the partitions are
// invalid in themselves (not 1 to projection.MaxPartitions). The error unwraps to err.
func versionedPartitions(cfg config.Config, p projection.Projection, err error) error {
	var ce *projection.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Partitions" {
		return nil
	}
	name := p.Name()
	version, ok := cfg.Projection.Versions[name]
	if !ok {
		return nil
	}
	shown := name
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) {
		shown = strconv.Quote(name)
	}
	versionKey := config.Root + ".projection.versions." + shown
	pp, own := p.(projection.PartitionedProjection)
	n := cfg.Projection.Partitions
	if own {
		n = pp.Partitions()
	}
	if n < 2 || n > projection.MaxPartitions {
		return nil // partitions that are invalid in themselves, whatever the version: the runner's error says so
	}
	if own {
		return &config.Error{Key: versionKey, Err: &wrapped{err: err, msg: fmt.Sprintf(
			"sets projection %q to version %d, but it (%T) asks for %d partitions: a versioned projection runs unpartitioned; "+
				"remove %s from versions, or let its Partitions method return 1", name, version, p, n, shown)}}
	}
	return &config.Error{Key: config.Root + ".projection.partitions", Err: &wrapped{err: err, msg: fmt.Sprintf(
		"is %d, but %s sets projection %q to version %d: a versioned projection runs unpartitioned; "+
			"set partitions to 1, or remove %s from versions", n, versionKey, name, version, shown)}}
}
