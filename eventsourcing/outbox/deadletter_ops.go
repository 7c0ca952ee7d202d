package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// SkipStore is a [Store] whose dead letters an operator can skip (esctl dead-letters skip): the
// memory and Bun outbox stores implement it.
type SkipStore interface {
	Store
	// Skip gives up the dead letter id for good: it is marked delivered, never published, and
	// who skipped it and when are recorded. Records it held back (dead-letter policy
	// park-aggregate) then flow, in order; a paused outbox resumes once no dead letter is left.
	// It returns an error matching [ErrNoDeadLetter] when the outbox has no such dead letter.
	Skip(ctx context.Context, outbox, id, by string, at time.Time) error
}

// retryAllPage is how many dead letters one read of RetryAll takes.
const retryAllPage = 1000

// RetryAll brings every dead letter of the outbox back (see [Store.Retry]): they are due at once,
// and the relays publish them in enqueue order, each aggregate's in its order. It returns how
// many it brought back. A record that dies again meanwhile is not brought back twice.
func RetryAll(ctx context.Context, store Store, outbox string) (int, error) {
	seen := map[string]struct{}{}
	for {
		page, err := store.DeadLetters(ctx, outbox, retryAllPage)
		if err != nil {
			return len(seen), fmt.Errorf("outbox %q: retry every dead letter: %w", outbox, err)
		}
		fresh := 0
		for _, r := range page {
			if _, done := seen[r.ID]; done {
				continue
			}
			fresh++
			switch err := store.Retry(ctx, outbox, r.ID); {
			case errors.Is(err, ErrNoDeadLetter): // retried or skipped meanwhile
			case err != nil:
				return len(seen), fmt.Errorf("outbox %q: retry dead letter %s: %w", outbox, r.ID, err)
			default:
				seen[r.ID] = struct{}{}
			}
		}
		if len(page) < retryAllPage || fresh == 0 {
			return len(seen), nil
		}
	}
}

// RetryAll brings every dead letter of the outbox back, due at once (see the package function
// [RetryAll]), and wakes the relays.
func (o *Outbox) RetryAll(ctx context.Context) (int, error) {
	n, err := RetryAll(ctx, o.store, o.cfg.name)
	if n > 0 {
		o.wake()
	}
	return n, err
}

// Skip gives up the dead letter id for good, recording who skipped it (see [SkipStore]); the
// store must implement SkipStore, else the error matches errors.ErrUnsupported.
func (o *Outbox) Skip(ctx context.Context, id, by string) error {
	s, ok := o.store.(SkipStore)
	if !ok {
		return fmt.Errorf("outbox %q: skip: the store %T cannot skip dead letters: %w", o.cfg.name, o.store, errors.ErrUnsupported)
	}
	if err := s.Skip(ctx, o.cfg.name, id, by, time.Now()); err != nil {
		return fmt.Errorf("outbox %q: skip %s: %w", o.cfg.name, id, err)
	}
	o.wake()
	return nil
}

// ReplayStore is a [Store] that can enqueue events again (esctl outbox replay): the memory and
// Bun outbox stores implement it.
type ReplayStore interface {
	Store
	// Requeue enqueues events again, all or none, in the transaction ctx carries when the
	// store joins it, so the relays publish them again, while each aggregate's records are
	// still first published in their order:
	//
	//   - A delivered or dead record of an event is replaced by a fresh one, due at once, behind
	//     every record enqueued before, the fresh records in the events' order; an event
	//     without a record gets one there too.
	//   - A pending record of an event (neither delivered nor dead, claimed or not) is left
	//     where it is, as it is (attempts, back-off and claim kept): it is published anyway,
	//     before the later records of its aggregate.
	//   - The records of an aggregate that come after the earliest of its dead records among the
	//     events, and are neither delivered nor replaced, move behind the fresh records, in
	//     their order and keeping their state: a dead letter was never published, so the
	//     records after it are not first published before it.
	//
	// Consumers de-duplicate on the event id.
	Requeue(ctx context.Context, outbox string, events []es.Envelope, at time.Time) error
}
