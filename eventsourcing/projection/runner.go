package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Runner applies the global stream of an event store to a [Projection], from a checkpoint, in
// order. It lives from [Runner.Start] to [Runner.Stop] (or for the duration of [Runner.Run]).
//
// Each round reads a page of at most the batch size after the checkpoint; full pages are read back
// to back, and the runner waits (a poll interval, or until the store signals a commit) only once
// it has caught up; while catching up, full pages may share a batch ([WithCommitSize]). When the
// checkpoint store runs transactions (es.Transactor), each batch runs in one of them: the handler finds it in its context, so a read model in the checkpoint's
// database commits with the checkpoint and sees each event exactly once. Otherwise each event is
// applied at least once: after a crash, the events of the batch in flight are applied again.
//
// A handler error stops the batch at that event: the events before it keep their progress (when
// the batch's transaction rolled back they are applied again, alone, and commit), and the failed
// event is retried, in order, after an exponential back-off. It is never skipped, unless
// [WithDeadLetters] parks it after a number of attempts. With a [Lease], only the runner holding
// it applies events; the others stand by.
//
// A Runner is safe for concurrent use.
type Runner struct {
	p           Projection
	name        string // the version's checkpoint key: CheckpointName(base, version)
	base        string // the projection's name
	version     int
	versioned   bool   // WithVersion or Config.Versions set the version: the runner keeps the records of versions
	activeKey   string // the active-version record's key
	liveKey     string // the version's live-from record's key
	ver         versionState
	store       es.EventStore
	cfg         config
	log         *slog.Logger
	tx          es.Transactor  // the checkpoint store's transactions, or nil
	head        headPositioner // the store's head position beyond the read horizon, or nil
	notifier    es.CommitNotifier
	leaseName   string
	resets      atomic.Int64 // bumped by Reset: the loop reloads its checkpoint
	resetSignal chan struct{}
	parts       []*Runner // the partitions' runners, when split (WithPartitions); nil otherwise
	part        bool      // the runner applies one partition of a split projection

	mu       sync.Mutex // guards the fields below
	done     chan struct{}
	stop     chan struct{}
	cancel   context.CancelFunc
	stopping bool

	state state
}

// NewRunner returns a runner of p over store, configured by opts: options that set single
// settings, or [WithConfig] for a whole [Config], and the options that give its stores. It does
// no I/O. It refuses a nil projection or store, a projection whose name is not 1 to
// [MaxNameBytes] bytes of UTF-8 without NUL, a projection that reports a mistake through an Err()
// error method (see [Typed]), and bad settings, with an error matching es.ErrInvalidArgument (or
// the projection's own); a bad setting is a *[ConfigError] naming the field.
func NewRunner(p Projection, store es.EventStore, opts ...Option) (*Runner, error) {
	if check.IsNil(p) {
		return nil, errs.Invalid("projection.NewRunner: the projection is nil")
	}
	if check.IsNil(store) {
		return nil, errs.Invalid("projection.NewRunner: the event store is nil")
	}
	if e, ok := p.(interface{ Err() error }); ok {
		if err := e.Err(); err != nil {
			return nil, err
		}
	}
	name := p.Name()
	if err := validName("projection name", name); err != nil {
		return nil, err
	}
	var s setup
	for i, o := range opts {
		if o == nil {
			return nil, errs.Invalid("projection.NewRunner: option %d is nil", i)
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	cfg := s.resolve()
	if cfg.partitions > 1 {
		if v, versioned := cfg.resolveVersion(name); versioned {
			return nil, &ConfigError{Config: configName, Field: "Partitions",
				Reason: fmt.Sprintf("is %d, but projection %q has version %d: a versioned projection runs unpartitioned (partitions 1)", cfg.partitions, name, v)}
		}
		return newPartitioned(p, name, store, cfg)
	}
	return newRunner(p, name, store, cfg)
}

// newRunner returns the runner of p, named name, over store, with the resolved settings cfg.
func newRunner(p Projection, name string, store es.EventStore, cfg config) (*Runner, error) {
	if cfg.lease != nil {
		if err := validName("projection name", leasePrefix+name); err != nil {
			return nil, errs.Invalid("projection name: with a lease, at most %d bytes, got %d", MaxNameBytes-len(leasePrefix), len(name))
		}
	}
	version, versioned := cfg.resolveVersion(name)
	if versioned {
		if err := versionedName(name, version, cfg.lease != nil); err != nil {
			return nil, err
		}
	}
	key := CheckpointName(name, version)
	log := cfg.logger.With(slog.String("projection", name))
	if versioned {
		log = log.With(slog.Int("version", version))
	}
	r := &Runner{
		p: p, name: key, base: name, version: version, versioned: versioned, store: store, cfg: cfg, log: log,
		activeKey: ActiveRecordName(name), liveKey: LiveRecordName(name, version),
		leaseName:   leasePrefix + key,
		resetSignal: make(chan struct{}, 1),
	}
	if tx, ok := cfg.checkpoints.(es.Transactor); ok {
		r.tx = tx
	}
	r.head, _ = capability[headPositioner](store)
	r.notifier, _ = capability[es.CommitNotifier](store)
	return r, nil
}

// Name returns the projection's name.
func (r *Runner) Name() string { return r.base }

// Version returns the projection's version this runner runs (see [WithVersion]).
func (r *Runner) Version() int { return r.version }

// Start starts the runner in its own goroutine and returns. ctx bounds only the start (with
// [StartLatest], reading the store's last position); the runner runs until [Runner.Stop]. Start
// on a running runner does nothing.
func (r *Runner) Start(ctx context.Context) error {
	if r.parts != nil {
		return r.startParts(ctx)
	}
	if err := r.checkLayout(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done != nil {
		if r.stopping {
			return fmt.Errorf("projection %q: start: the previous run is still stopping; call Stop again and wait", r.name)
		}
		return nil
	}
	initial, err := r.initialPosition(ctx)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := r.begin(cancel)
	go func() {
		defer r.end(done)
		r.loop(runCtx, initial)
	}()
	return nil
}

// Run runs the runner in the calling goroutine until ctx ends or [Runner.Stop] is called, and
// then returns nil. Ending ctx abandons the batch in flight (its transaction rolls back); Stop
// lets it finish. It returns [ErrRunning] when the runner is already running.
func (r *Runner) Run(ctx context.Context) error {
	if r.parts != nil {
		return r.runParts(ctx)
	}
	if err := r.checkLayout(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	if r.done != nil {
		r.mu.Unlock()
		return fmt.Errorf("projection %q: %w", r.name, ErrRunning)
	}
	initial, err := r.initialPosition(ctx)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := r.begin(cancel)
	r.mu.Unlock()
	defer r.end(done)
	r.loop(runCtx, initial)
	return nil
}

// Stop asks the runner to stop and waits for the batch in flight to finish and the lease to be
// released. When ctx ends first, the batch is abandoned (its context is cancelled, so its
// transaction rolls back) and Stop returns ctx's error; the runner exits as soon as its handler
// returns. Stop on a runner that is not running does nothing.
func (r *Runner) Stop(ctx context.Context) error {
	if r.parts != nil {
		return r.stopParts(ctx)
	}
	r.mu.Lock()
	done, cancel := r.done, r.cancel
	if done == nil {
		r.mu.Unlock()
		return nil
	}
	if !r.stopping {
		r.stopping = true
		close(r.stop)
	}
	r.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		cancel()
		return fmt.Errorf("projection %q: stop: the batch in flight did not finish in time and was abandoned: %w", r.name, ctx.Err())
	}
}

// begin records a new run; it runs under r.mu.
func (r *Runner) begin(cancel context.CancelFunc) chan struct{} {
	r.done, r.stop, r.cancel, r.stopping = make(chan struct{}), make(chan struct{}), cancel, false
	r.ver = versionState{stale: r.versioned, role: RoleActive, active: r.version}
	r.state.setRunning(true)
	return r.done
}

// end marks the run over.
func (r *Runner) end(done chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancel()
	r.state.setRunning(false)
	r.done, r.stop, r.cancel, r.stopping = nil, nil, nil, false
	close(done)
}

// stopRequested returns the channel Stop closes; it is read under r.mu.
func (r *Runner) stopRequested() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// initialPosition is where a projection without a checkpoint starts.
func (r *Runner) initialPosition(ctx context.Context) (int64, error) {
	if r.cfg.ownStore && !isVolatile(r.store) {
		r.log.Warn("projection_checkpoints_in_memory",
			slog.String("store", fmt.Sprintf("%T", r.store)),
			slog.String("hint", "the checkpoint is lost on restart and the projection applies the stream again; give the runner a durable checkpoint store with WithCheckpoints"))
	}
	if r.cfg.startFrom != StartLatest {
		return 0, nil
	}
	p, err := r.store.LastPosition(ctx)
	if err != nil {
		return 0, fmt.Errorf("projection %q: start from latest: read the store's last position: %w", r.name, err)
	}
	return p, nil
}

// Reset sets the projection's checkpoint to position (0 applies the whole stream again), so the
// projection rebuilds its read model from there. It joins the transaction in ctx when the
// checkpoint store does: clear the read model in the same transaction. A running runner picks the
// new position up after its batch in flight, whose own move then fails. A position that is not 0
// must be on the store's stream (a position ReadAll returned), else es.ErrInvalidArgument.
func (r *Runner) Reset(ctx context.Context, position int64) error {
	if err := check.PositionArg("position", position); err != nil {
		return err
	}
	if position > 0 {
		// The cursor is checked by a read from it; an event after it that does not decode
		// proves it as well.
		if events, err := r.store.ReadAll(ctx, position, 1); err != nil && undecodableNext(err, position, events) == nil {
			return fmt.Errorf("projection %q: reset to %d: %w", r.name, position, err)
		}
	}
	if err := r.resetCheckpoints(ctx, position); err != nil {
		return fmt.Errorf("projection %q: reset to %d: %w", r.name, position, err)
	}
	r.signalReset()
	return nil
}

// signalReset makes the loop (the partitions' loops) reload the checkpoint after its batch in flight.
func (r *Runner) signalReset() {
	for _, p := range r.parts {
		p.signalReset()
	}
	r.resets.Add(1)
	select {
	case r.resetSignal <- struct{}{}:
	default:
	}
}

// DeadLetters lists the projection's parked events with a position above after, at most limit.
// Without [WithDeadLetters] it returns an error matching es.ErrInvalidArgument.
func (r *Runner) DeadLetters(ctx context.Context, after int64, limit int) ([]DeadLetter, error) {
	if r.cfg.deadLetters == nil {
		return nil, errs.Invalid("projection %q: DeadLetters: the runner has no dead-letter store (see WithDeadLetters)", r.name)
	}
	if r.parts != nil {
		return r.partsDeadLetters(ctx, after, limit)
	}
	out, err := r.cfg.deadLetters.List(ctx, r.name, after, limit)
	if err != nil {
		return nil, fmt.Errorf("projection %q: list dead letters: %w", r.name, err)
	}
	return out, nil
}

// errSuperseded reports, inside the runner, a batch whose checkpoint move found the checkpoint
// elsewhere.
var errSuperseded = errors.New("projection: batch superseded")
