package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/backoff"
)

// pruneLimit is how many delivered records one prune statement deletes.
const pruneLimit = 1000

// errPublishTimeout reports a publish that did not return within the publish timeout.
var errPublishTimeout = errors.New("publish timed out")

// relayGroup is the relays of one Start, until Stop.
type relayGroup struct {
	o        *Outbox
	ctx      context.Context // ends when Stop gives up waiting
	cancel   context.CancelFunc
	stopping chan struct{} // closed by Stop: claim nothing more
	done     chan struct{} // closed when every relay has returned
	wakers   []chan struct{}
	pause    pauseGate      // the dead-letter policy pause
	settling sync.WaitGroup // the settle goroutines of publishes abandoned at their timeout
}

// Start starts the relays. They run until [Outbox.Stop], not bound to ctx, which only bounds
// the start itself (Fx gives OnStart a context with a deadline); ctx's values (tracing, ...) stay
// visible to the relays. Start on a started outbox does nothing.
func (o *Outbox) Start(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.relays != nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outbox %q: start: %w", o.cfg.name, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &relayGroup{o: o, ctx: runCtx, cancel: cancel, stopping: make(chan struct{}), done: make(chan struct{})}
	r.wakers = make([]chan struct{}, o.cfg.relays)
	for i := range r.wakers {
		r.wakers[i] = make(chan struct{}, 1)
	}
	var wg sync.WaitGroup
	for i := range o.cfg.relays {
		wg.Go(func() { r.relay(i) })
	}
	go func() {
		wg.Wait()
		r.settling.Wait() // only relays start settle goroutines: none starts after wg.Wait
		close(r.done)
	}()
	o.relays = r
	return nil
}

// Stop stops the relays: they claim nothing more, finish the publishes in flight, record their
// outcome and give back the records they claimed but did not start. It waits for that within
// ctx; when ctx ends first, the publishes in flight are abandoned (their contexts are cancelled,
// and their records are taken over once their claims time out) and Stop returns ctx's error. Stop on a stopped outbox does nothing;
// Start may be called again after it.
func (o *Outbox) Stop(ctx context.Context) error {
	o.mu.Lock()
	r := o.relays
	o.relays = nil
	o.mu.Unlock()
	if r == nil {
		return nil
	}
	close(r.stopping)
	select {
	case <-r.done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		return fmt.Errorf("outbox %q: stop: gave up waiting for the publishes in flight: %w", o.cfg.name, ctx.Err())
	}
}

// wake makes every relay look for due records now.
func (r *relayGroup) wake() {
	for _, c := range r.wakers {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (r *relayGroup) stopped() bool {
	select {
	case <-r.stopping:
		return true
	default:
		return false
	}
}

// relay is one relay goroutine: it claims and publishes batches until Stop. Relay 0 also prunes.
func (r *relayGroup) relay(i int) {
	cfg := &r.o.cfg
	var commits <-chan struct{}
	if n, ok := r.o.store.(es.CommitNotifier); ok {
		commits = n.CommitNotifications(r.ctx)
	}
	timer := time.NewTimer(cfg.pollInterval)
	defer timer.Stop()
	var lastPrune, lastRound time.Time
	for !r.stopped() && r.ctx.Err() == nil {
		if i == 0 && time.Since(lastPrune) >= r.pruneEvery() {
			r.prune()
			lastPrune = time.Now()
		}
		lastRound = time.Now()
		n, err := r.round()
		if err == nil && n >= cfg.batchSize {
			continue // a full batch: there may be more due at once
		}
		// Anything else that became due meanwhile comes with a commit signal (or is found at the
		// next poll): waiting for it gathers the commits of a steady stream into fewer rounds.
		if err != nil && r.ctx.Err() == nil {
			cfg.logger.ErrorContext(r.ctx, "outbox: claiming records failed; retrying after the poll interval",
				"outbox", cfg.name, "owner", cfg.owner, "error", err)
		}
		timer.Reset(cfg.pollInterval)
		woken := false
		if err != nil {
			// The store failed: wait the whole interval, whatever commits signal meanwhile.
			select {
			case <-r.stopping:
			case <-r.ctx.Done():
			case <-timer.C:
			}
		} else {
			select {
			case <-r.stopping:
			case <-r.ctx.Done():
			case <-timer.C:
			case <-r.wakers[i]:
				woken = true
			case _, ok := <-commits:
				if !ok {
					commits = nil
				}
				woken = true
			}
		}
		timer.Stop()
		if woken {
			r.coalesce(lastRound)
		}
	}
}

// wakeGap is the least time between two rounds that commit signals start: under a stream of
// commits a relay gathers what committed meanwhile into one round instead of one round (a claim
// and a mark) per commit. A relay idle for longer starts at once.
const wakeGap = 2 * time.Millisecond

// coalesce waits until wakeGap after the previous round began, or until Stop.
func (r *relayGroup) coalesce(lastRound time.Time) {
	wait := min(wakeGap, r.o.cfg.pollInterval) - time.Since(lastRound)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.stopping:
	case <-r.ctx.Done():
	}
}

// pruneEvery is how often relay 0 prunes delivered records. An outbox keeping none on a store
// that deletes them as they are delivered prunes only what was marked before (by another
// configuration), once a minute.
func (r *relayGroup) pruneEvery() time.Duration {
	if _, deletes := r.o.store.(DeliveredDeleter); deletes && r.o.cfg.retention == 0 {
		return time.Minute
	}
	return min(time.Minute, max(r.o.cfg.retention, r.o.cfg.pollInterval))
}

// round claims one batch, a run of records per aggregate, and publishes it in enqueue order. A
// failed publish ends its aggregate's run: the records after it are given back untried. The
// delivered records are marked together at the end. It returns how many records it claimed.
func (r *relayGroup) round() (int, error) {
	cfg := &r.o.cfg
	if r.paused() {
		return 0, nil
	}
	now := time.Now()
	recs, err := r.o.store.Claim(r.ctx, ClaimRequest{
		Outbox: cfg.name, Owner: cfg.owner, Limit: cfg.batchSize, PerAggregate: cfg.batchSize,
		Now: now, Until: now.Add(cfg.claimTimeout), HoldBehindDead: cfg.policy == es.DeadLetterParkAggregate,
	})
	if err != nil {
		return 0, err
	}
	delivered := make([]Claim, 0, len(recs))
	var (
		failed   map[string]struct{} // aggregates whose run ended at a failed publish
		giveBack []Record
	)
	for k, rec := range recs {
		// A publish starts only when it can end before the claim does, so no other relay can
		// take the record over while it is in flight.
		if r.stopped() || time.Now().Add(cfg.publishTimeout).After(rec.ClaimedUntil) || r.paused() {
			giveBack = append(giveBack, recs[k:]...)
			break
		}
		if _, ok := failed[rec.Event.AggregateID]; ok {
			giveBack = append(giveBack, rec)
			continue
		}
		running, err := r.publishOne(rec)
		if err == nil {
			delivered = append(delivered, rec.Claim())
			continue
		}
		if r.ctx.Err() != nil {
			// Stop gave up waiting: not the record's fault. Its publish may still be under way,
			// so the record stays claimed until its claim expires; the rest are given back.
			giveBack = append(giveBack, recs[k+1:]...)
			break
		}
		if running != nil {
			// Timed out and not returned: the record stays claimed until the publish returns
			// (or its claim nearly ends); settle then records the failed attempt.
			timedOut := time.Now()
			r.settling.Go(func() { r.settle(rec, timedOut, running) })
		} else {
			r.fail(rec, err, time.Now(), false)
		}
		if failed == nil {
			failed = make(map[string]struct{})
		}
		failed[rec.Event.AggregateID] = struct{}{}
	}
	r.release(giveBack)
	r.markDelivered(delivered)
	return len(recs), nil
}

// publishOne publishes rec's event within the publish timeout. A publish that does not return
// in time is abandoned and fails the attempt; a panic fails it too. When the publish had not
// returned when its context ended, running is not nil: it receives the publish's result once
// the publish function returns (see settle).
func (r *relayGroup) publishOne(rec Record) (running <-chan error, err error) {
	if obs := r.o.cfg.observer; obs != nil {
		p := es.Publish{Outbox: r.o.cfg.name, EventID: rec.Event.EventID, EventType: rec.Event.EventType,
			AggregateType: rec.Event.AggregateType, Attempt: rec.Attempts}
		began := time.Now()
		ctx := obs.StartPublish(r.ctx, p)
		running, err = r.publishUnder(ctx, rec)
		obs.EndPublish(ctx, p, es.PublishResult{Err: err, Duration: time.Since(began)})
		return running, err
	}
	return r.publishUnder(r.ctx, rec)
}

// publishUnder is publishOne under parent, a context of the relays'.
func (r *relayGroup) publishUnder(parent context.Context, rec Record) (<-chan error, error) {
	ctx, cancel := context.WithTimeout(parent, r.o.cfg.publishTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				res <- fmt.Errorf("publish panicked: %v", p)
			}
		}()
		res <- r.o.publish(ctx, rec.Event)
	}()
	// Whether Stop gave up is the relays' own context's to say: parent may be an observer's
	// context that ends by itself, which is the end of this attempt, never a success.
	select {
	case err := <-res:
		if ctx.Err() != nil && r.ctx.Err() == nil {
			return nil, r.lateResult(err) // it returned as its context ended at the timeout
		}
		return nil, err
	case <-ctx.Done():
		if r.ctx.Err() != nil {
			return nil, r.ctx.Err() // Stop gave up waiting: the caller leaves the record claimed
		}
		select {
		case err := <-res: // it returned as its context ended
			return nil, r.lateResult(err)
		default:
			return res, r.lateError(nil)
		}
	}
}

// lateResult is the outcome of a publish that returned err as its context ended at the publish
// timeout: published after all when err is nil, else a failed attempt.
func (r *relayGroup) lateResult(err error) error {
	if err == nil {
		return nil
	}
	return r.lateError(err)
}

// lateError is the error of an attempt whose publish did not return within the publish
// timeout, then returned err (nil: it has not returned, or returned nil): a failed attempt,
// whatever err is.
func (r *relayGroup) lateError(err error) error {
	if err == nil {
		return fmt.Errorf("%w after %s", errPublishTimeout, r.o.cfg.publishTimeout)
	}
	return fmt.Errorf("%w after %s: %w", errPublishTimeout, r.o.cfg.publishTimeout, err)
}

// settle records the failed attempt of rec, whose publish timed out at timedOut and had not
// returned then; running receives the publish's result when it returns. The record stays
// claimed meanwhile, so no relay publishes it, or a later record of its aggregate, while the
// publish may still be running.
//
//   - When the publish returns before the claim nearly ends, the attempt is over: the failure
//     is recorded then, with the ordinary back-off from then on.
//   - When it has not returned by then (the claim's end less the shorter of the publish timeout
//     and half of what was left of the claim at the timeout), or when Stop is called first, the
//     failure is recorded at once with the record due no sooner than the end of the claim the
//     publish ran under (or the back-off, when that is later).
func (r *relayGroup) settle(rec Record, timedOut time.Time, running <-chan error) {
	cfg := &r.o.cfg
	left := rec.ClaimedUntil.Sub(timedOut)
	wait := time.Until(rec.ClaimedUntil.Add(-max(min(cfg.publishTimeout, left/2), 0)))
	t := time.NewTimer(max(wait, 0))
	defer t.Stop()
	select {
	case err := <-running:
		r.fail(rec, r.lateError(err), time.Now(), false)
		return
	case <-t.C:
	case <-r.stopping:
	case <-r.ctx.Done():
	}
	r.fail(rec, r.lateError(nil), timedOut, true)
}

// storeCtx bounds a store call that records an outcome: it runs even after Stop gave up waiting,
// for at most the claim timeout (after which the outcome no longer matters).
func (r *relayGroup) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.ctx), r.o.cfg.claimTimeout)
}

// fail records the failed attempt of rec, which failed at with perr, and logs it. The record is
// due again after the back-off; when running (its publish had not returned when it was given
// up), no sooner than the end of the claim it ran under, since the publish may still be running.
func (r *relayGroup) fail(rec Record, perr error, at time.Time, running bool) {
	cfg := &r.o.cfg
	wait := backoff.Exp(cfg.backoffInitial, cfg.backoffMax, rec.Attempts)
	next := at.Add(wait)
	if running && next.Before(rec.ClaimedUntil) {
		// The abandoned publish may still be running: no one starts another before the claim
		// it ran under would have ended.
		next = rec.ClaimedUntil
	}
	wait = time.Until(next)
	f := Failure{Error: errorText(perr), At: at, NextAttemptAt: next, Dead: cfg.makesDead(rec.Attempts)}
	ctx, cancel := r.storeCtx()
	defer cancel()
	current, err := r.o.store.MarkFailed(ctx, cfg.name, rec.Claim(), f)
	attrs := []any{"outbox", cfg.name, "event_id", rec.ID, "event_type", rec.Event.EventType,
		"aggregate_id", rec.Event.AggregateID, "sequence", rec.Event.Sequence,
		"attempt", rec.Attempts, "max_attempts", cfg.maxAttempts, "error", perr}
	switch {
	case err != nil:
		cfg.logger.ErrorContext(ctx, "outbox: publish failed and the failure could not be recorded; the record is retried once its claim times out",
			append(attrs, "store_error", err)...)
	case !current:
		cfg.logger.WarnContext(ctx, "outbox: publish failed after the claim had been taken over; the new holder decides", attrs...)
	case f.Dead:
		cfg.logger.ErrorContext(ctx, "outbox: publish failed; the record is now a dead letter (Retry brings it back)",
			append(attrs, "dead_letter_policy", cfg.policy)...)
		r.deadLettered()
	default:
		cfg.logger.WarnContext(ctx, "outbox: publish failed; retrying", append(attrs, "retry_in", wait)...)
	}
}

func (r *relayGroup) markDelivered(claims []Claim) {
	if len(claims) == 0 {
		return
	}
	cfg := &r.o.cfg
	ctx, cancel := r.storeCtx()
	defer cancel()
	var (
		n   int
		err error
	)
	if d, ok := r.o.store.(DeliveredDeleter); ok && cfg.retention == 0 {
		n, err = d.DeleteDelivered(ctx, cfg.name, claims) // none is kept: nothing to mark, nothing to prune
	} else {
		n, err = r.o.store.MarkDelivered(ctx, cfg.name, claims, time.Now())
	}
	switch {
	case err != nil:
		cfg.logger.ErrorContext(ctx, "outbox: published records could not be marked delivered; they are published again once their claims time out",
			"outbox", cfg.name, "records", len(claims), "error", err)
	case n < len(claims):
		cfg.logger.WarnContext(ctx, "outbox: some published records were taken over by another relay before they were marked delivered; they may be published again",
			"outbox", cfg.name, "records", len(claims), "marked", n)
	}
}

func (r *relayGroup) release(recs []Record) {
	if len(recs) == 0 {
		return
	}
	cfg := &r.o.cfg
	claims := make([]Claim, len(recs))
	for i, rec := range recs {
		claims[i] = rec.Claim()
	}
	ctx, cancel := r.storeCtx()
	defer cancel()
	if err := r.o.store.Release(ctx, cfg.name, claims); err != nil {
		cfg.logger.WarnContext(ctx, "outbox: claimed records could not be given back; they are taken over once their claims time out",
			"outbox", cfg.name, "records", len(recs), "error", err)
	}
}

// prune deletes delivered records older than the retention, a statement at a time.
func (r *relayGroup) prune() {
	cfg := &r.o.cfg
	before := time.Now().Add(-cfg.retention)
	for !r.stopped() {
		n, err := r.o.store.Prune(r.ctx, cfg.name, before, pruneLimit)
		if err != nil {
			if r.ctx.Err() == nil {
				cfg.logger.WarnContext(r.ctx, "outbox: pruning delivered records failed; trying again later", "outbox", cfg.name, "error", err)
			}
			return
		}
		if n < pruneLimit {
			return
		}
	}
}
