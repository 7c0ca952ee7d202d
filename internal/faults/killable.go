// Package faults injects failures into stores for tests: [Killable] makes an outbox store behave
// as the store of a process that died.
package faults

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// errKilled is what a killed store returns.
var errKilled = errors.New("faults: the store's process was killed")

// Killable wraps s so that kill makes every later call fail, as the store of a process that
// died would: relays over it keep running but reach nothing. It serves the Open function of an
// in-memory testkit.OutboxTarget; a database target closes a connection pool instead.
func Killable(s outbox.Store) (store outbox.Store, kill func()) {
	k := &killable{s: s}
	return k, func() { k.dead.Store(true) }
}

type killable struct {
	s    outbox.Store
	dead atomic.Bool
}

var _ es.CommitNotifier = (*killable)(nil)

func (k *killable) check(ctx context.Context) error {
	if k.dead.Load() {
		return errKilled
	}
	return ctx.Err()
}

func (k *killable) JoinsTx(ctx context.Context) bool { return !k.dead.Load() && k.s.JoinsTx(ctx) }

func (k *killable) CommitNotifications(ctx context.Context) <-chan struct{} {
	if n, ok := k.s.(es.CommitNotifier); ok {
		return n.CommitNotifications(ctx)
	}
	c := make(chan struct{})
	context.AfterFunc(ctx, func() { close(c) })
	return c
}

func (k *killable) Enqueue(ctx context.Context, name string, events []es.Envelope, at time.Time) error {
	if err := k.check(ctx); err != nil {
		return err
	}
	return k.s.Enqueue(ctx, name, events, at)
}

func (k *killable) Claim(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Record, error) {
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	return k.s.Claim(ctx, req)
}

func (k *killable) MarkDelivered(ctx context.Context, name string, claims []outbox.Claim, at time.Time) (int, error) {
	if err := k.check(ctx); err != nil {
		return 0, err
	}
	return k.s.MarkDelivered(ctx, name, claims, at)
}

func (k *killable) MarkFailed(ctx context.Context, name string, c outbox.Claim, f outbox.Failure) (bool, error) {
	if err := k.check(ctx); err != nil {
		return false, err
	}
	return k.s.MarkFailed(ctx, name, c, f)
}

func (k *killable) Release(ctx context.Context, name string, claims []outbox.Claim) error {
	if err := k.check(ctx); err != nil {
		return err
	}
	return k.s.Release(ctx, name, claims)
}

func (k *killable) Pending(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	return k.s.Pending(ctx, name, limit)
}

func (k *killable) DeadLetters(ctx context.Context, name string, limit int) ([]outbox.Record, error) {
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	return k.s.DeadLetters(ctx, name, limit)
}

func (k *killable) Retry(ctx context.Context, name, id string) error {
	if err := k.check(ctx); err != nil {
		return err
	}
	return k.s.Retry(ctx, name, id)
}

func (k *killable) Prune(ctx context.Context, name string, before time.Time, limit int) (int, error) {
	if err := k.check(ctx); err != nil {
		return 0, err
	}
	return k.s.Prune(ctx, name, before, limit)
}
