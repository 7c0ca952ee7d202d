package outbox

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// StreamPrefix starts the name of a [Stream]'s checkpoint, lease and dead letters: the stream
// of the outbox named "default" keeps them as the projection "outbox:default".
const StreamPrefix = "outbox:"

// DefaultCheckpointInterval is how often a [Stream] stores its position while it publishes.
const DefaultCheckpointInterval = 100 * time.Millisecond

// StreamName returns the projection name under which the stream of the outbox name keeps its
// checkpoint, lease and dead letters.
func StreamName(name string) string { return StreamPrefix + name }

// StreamConfig configures a [Stream]: the outbox settings that apply to it, and the stores it
// keeps its position, lease and dead letters in.
type StreamConfig struct {
	// Config holds the outbox's settings. A stream uses Name, MaxAttempts, DeadLetterPolicy,
	// BackoffInitial, BackoffMax, PollInterval, PublishTimeout, BatchSize, Logger and Observer;
	// the others are the record relays' and are checked but not used.
	Config
	// Checkpoints keeps the stream's position (the projection [StreamName]). Nil: a private
	// in-memory store, and every restart publishes the stream again from StartFrom.
	Checkpoints projection.CheckpointStore
	// Lease, when set, elects one publishing stream per outbox across processes; the others stand
	// by and take over when it dies, or when it stops: a stopping stream stores its position
	// before it gives the lease up, so the next one starts where it stopped.
	Lease projection.Lease
	// DeadLetters keeps the events whose attempts ran out. Every policy but es.DeadLetterRetry
	// needs it; without it a failing event is retried for ever.
	DeadLetters projection.DeadLetterStore
	// StartFrom is where a stream without a stored position starts: projection.StartEarliest
	// (the default: every event the store holds is published once) or projection.StartLatest.
	StartFrom projection.StartFrom
	// CheckpointInterval is how often the position is stored while events are published, more
	// than 0 and at most [MaxDuration] (default [DefaultCheckpointInterval]). A crash publishes
	// again what was published since the last store, at most this much.
	CheckpointInterval time.Duration
}

// Stream is the outbox without records: it publishes every event of an event store's global
// stream, in the stream's order, from a durable position, through the same [PublishFunc] as
// [Outbox]'s relays. Appends write nothing more than the events; a reader follows the stream
// (woken by the store's commit signals) and stores its position every CheckpointInterval, so
// a save costs what the append alone costs. Delivery is at least once: after a crash, the events
// published since the last stored position go out again (brokers and consumers de-duplicate on
// the event id). Every message carries the event's global position.
//
// A failed publish is retried after the back-off, holding back the events after it; after
// MaxAttempts the dead-letter policy applies as for [Outbox] (with a dead-letter store). The stream
// is a [projection.Runner] underneath, named [StreamName]: Status, the runner's dead letters
// and esctl's projection commands (reset, dead letters) work on it. It is safe for concurrent use.
type Stream struct {
	runner *projection.Runner
	cps    *lazyCheckpoints
	name   string
}

// NewStream returns a stream publishing the events of events through publish, configured by
// cfg. It does no I/O: it publishes from [Stream.Start] to [Stream.Stop]. Bad settings are errors
// matching es.ErrInvalidArgument (a *[ConfigError] naming the field).
func NewStream(events es.EventStore, publish PublishFunc, cfg StreamConfig) (*Stream, error) {
	if check.IsNil(events) {
		return nil, errs.Invalid("outbox.NewStream: the event store must not be nil")
	}
	if publish == nil {
		return nil, errs.Invalid("outbox.NewStream: the publish function must not be nil")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CheckpointInterval < 0 || cfg.CheckpointInterval > MaxDuration {
		return nil, &ConfigError{Config: "outbox.StreamConfig", Field: "CheckpointInterval",
			Reason: fmt.Sprintf("%s is not more than 0 and at most %s", cfg.CheckpointInterval, MaxDuration)}
	}
	c := cfg.Config
	c.SetDefaults()
	r := c.resolve()
	name := StreamName(r.name)
	h := &streamHandler{publish: publish, timeout: r.publishTimeout, observer: r.observer, outbox: r.name, logger: r.logger}
	pc := projection.Config{
		BatchSize:    r.batchSize,
		PollInterval: r.pollInterval,
		StartFrom:    cfg.StartFrom,
		RetryInitial: c.BackoffInitial,
		RetryMax:     c.BackoffMax,
		Logger:       r.logger,
	}
	opts := []projection.Option{projection.WithConfig(pc)}
	var cps *lazyCheckpoints
	if !check.IsNil(cfg.Checkpoints) {
		cps = newLazyCheckpoints(cfg.Checkpoints, cmp.Or(cfg.CheckpointInterval, DefaultCheckpointInterval), r.logger)
		opts = append(opts, projection.WithCheckpoints(cps))
	}
	if !check.IsNil(cfg.Lease) {
		opts = append(opts, projection.WithLease(flushingLease(cfg.Lease, cps)))
	}
	if r.policy != es.DeadLetterRetry && !check.IsNil(cfg.DeadLetters) {
		opts = append(opts, projection.WithDeadLetters(cfg.DeadLetters, r.maxAttempts), projection.WithDeadLetterPolicy(r.policy))
	}
	runner, err := projection.NewRunner(projection.FunctionProjection(name, h.handle), gathering(events, streamWakeGap), opts...)
	if err != nil {
		return nil, fmt.Errorf("outbox.NewStream: %w", err)
	}
	return &Stream{runner: runner, cps: cps, name: r.name}, nil
}

// flushingLease returns lease, storing the pending position of cps (when not nil) before each
// Release: a runner gives its lease up when it stops, before [Stream.Stop] flushes, and a standby
// that acquires it in between would otherwise load the older stored position (and fence this
// stream's flush out), publishing again what this one published since.
func flushingLease(lease projection.Lease, cps *lazyCheckpoints) projection.Lease {
	if cps == nil {
		return lease
	}
	f := flushLease{Lease: lease, cps: cps}
	if lr, ok := lease.(projection.LeaseReader); ok {
		return flushLeaseReader{flushLease: f, LeaseReader: lr}
	}
	return f
}

// flushLease is a lease that flushes a lazy checkpoint store before it releases.
type flushLease struct {
	projection.Lease
	cps *lazyCheckpoints
}

// Release stores the pending position, then releases the lease. A failed store is logged by
// the checkpoint store, and Stop's flush tries again; the lease is released either way.
func (f flushLease) Release(ctx context.Context, name, owner string, token int64) error {
	_ = f.cps.flush(ctx)
	return f.Lease.Release(ctx, name, owner, token)
}

// flushLeaseReader is a flushLease over a lease that tells who holds it.
type flushLeaseReader struct {
	flushLease
	projection.LeaseReader
}

// Name returns the outbox's name.
func (s *Stream) Name() string { return s.name }

// Runner returns the projection runner that publishes the stream, for its status and dead
// letters.
func (s *Stream) Runner() *projection.Runner { return s.runner }

// Start starts publishing; it runs until [Stream.Stop], whatever ctx. Start after Start does
// nothing.
func (s *Stream) Start(ctx context.Context) error {
	if err := s.runner.Start(ctx); err != nil {
		return fmt.Errorf("outbox %q: stream: %w", s.name, err)
	}
	return nil
}

// Stop stops publishing, waiting within ctx's deadline for the publishes in flight, and stores
// the position reached.
func (s *Stream) Stop(ctx context.Context) error {
	err := s.runner.Stop(ctx)
	if s.cps != nil {
		if ferr := s.cps.flush(ctx); err == nil {
			err = ferr
		}
	}
	if err != nil {
		return fmt.Errorf("outbox %q: stream: stop: %w", s.name, err)
	}
	return nil
}

// Status reports the stream's state (see projection.Status); its Position is the last position
// published, which the checkpoint store holds within CheckpointInterval.
func (s *Stream) Status(ctx context.Context) (projection.Status, error) {
	st, err := s.runner.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("outbox %q: stream: status: %w", s.name, err)
	}
	return st, nil
}

// streamHandler publishes one event of the stream, bounded by the publish timeout, and tells
// the observer about it.
type streamHandler struct {
	publish  PublishFunc
	timeout  time.Duration
	observer es.PublishObserver
	outbox   string
	logger   *slog.Logger

	mu       sync.Mutex
	failing  string // the event id failing now, "" when none
	attempts int    // its attempts so far

	// The publish running now (see begin), and the timer that reports it when it does not
	// return: created at the first publish, armed while publishes run.
	watch                 *time.Timer
	armed, busy           bool
	seq                   uint64 // publishes begun
	busyID, busyAggregate string
	seenSeq               uint64 // the publish the timer saw running
	seen                  int    // at how many firings in a row
}

func (h *streamHandler) handle(ctx context.Context, env es.Envelope) error {
	attempt := h.begin(env)
	var err error
	if h.observer != nil {
		p := es.Publish{Outbox: h.outbox, EventID: env.EventID, EventType: env.EventType, AggregateType: env.AggregateType, Attempt: attempt}
		began := time.Now()
		octx := h.observer.StartPublish(ctx, p)
		err = h.publishWithin(octx, env)
		h.observer.EndPublish(octx, p, es.PublishResult{Err: err, Duration: time.Since(began)})
	} else {
		err = h.publishWithin(ctx, env)
	}
	h.end(env.EventID, err)
	return err
}

// publishOverdue is how long after its context ended a publish that has not returned is
// reported (see streamHandler.publishWithin).
const publishOverdue = time.Second

// publishWithin publishes env with a context that ends after the publish timeout. A publish
// function that does not return when its context ends holds the stream back (a retry never
// overlaps a publish still running, so each aggregate's events keep their order): the stream
// waits for it, and says so in a warning when it has not returned publishOverdue after the
// timeout.
func (h *streamHandler) publishWithin(ctx context.Context, env es.Envelope) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	err := h.publish(ctx, env)
	if err == nil && ctx.Err() != nil {
		return fmt.Errorf("%w after %s", errPublishTimeout, h.timeout)
	}
	return err
}

// watchChecks is how many times per publish timeout and publishOverdue the timer of a
// streamHandler looks at the publish running.
const watchChecks = 4

// overdue runs when the timer fires, every (publish timeout + publishOverdue) / watchChecks while
// publishes run (none running: it stops, and the next publish arms it). A publish seen running at
// watchChecks+1 firings in a row has run for at least the timeout and publishOverdue: it warns
// of it then, and again each timeout and publishOverdue while it stays stuck.
func (h *streamHandler) overdue() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.busy {
		h.armed, h.seen = false, 0
		return
	}
	if h.seq != h.seenSeq {
		h.seenSeq, h.seen = h.seq, 0
	}
	h.seen++
	period := (h.timeout + publishOverdue) / watchChecks
	if n := h.seen - 1; n > 0 && n%watchChecks == 0 {
		h.logger.Warn("outbox: stream: a publish has not returned after its context ended at the publish timeout; the stream waits for it before it goes on",
			"outbox", h.outbox, "event_id", h.busyID, "aggregate_id", h.busyAggregate, "timeout", h.timeout,
			"waited_at_least", (time.Duration(n) * period).Round(time.Millisecond))
	}
	h.watch.Reset(period)
}

// begin notes the publish of env, which is starting, and returns which attempt at it this is,
// from 1. It arms the handler's one timer (see overdue) unless it is armed already. Publishes of
// a stream run one at a time.
func (h *streamHandler) begin(env es.Envelope) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.busy, h.busyID, h.busyAggregate = true, env.EventID, env.AggregateID
	h.seq++
	if !h.armed {
		h.armed = true
		period := (h.timeout + publishOverdue) / watchChecks
		if h.watch == nil {
			h.watch = time.AfterFunc(period, h.overdue)
		} else {
			h.watch.Reset(period)
		}
	}
	if h.failing == env.EventID {
		return h.attempts + 1
	}
	return 1
}

// end records the outcome of an attempt at id, whose publish returned.
func (h *streamHandler) end(id string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.busy = false
	switch {
	case err == nil:
		if h.failing == id {
			h.failing, h.attempts = "", 0
		}
	case h.failing == id:
		h.attempts++
	default:
		h.failing, h.attempts = id, 1
	}
}
