package memory

import (
	"context"
	"fmt"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// RetryAllDeadLetters brings back every dead letter of one outbox (outbox.RetryAll: due at
// once, published in enqueue order) or projection (projection.RequestRetryAll: applied by its
// runner in position order), as bunstore.Admin does. It returns how many it brought back.
func (i *Inspector) RetryAllDeadLetters(ctx context.Context, kind inspect.Kind, name string) (int, error) {
	switch {
	case kind == inspect.KindOutbox && i.s.Outbox != nil:
		return outbox.RetryAll(ctx, i.s.Outbox, name)
	case kind == inspect.KindProjection && i.s.DeadLetters != nil:
		return projection.RequestRetryAll(ctx, i.s.DeadLetters, name)
	}
	return 0, i.noStore(kind)
}

// SkipDeadLetter gives one dead letter of an outbox or a projection up for good, recording who
// skipped it and when (see [DeadLetterStore.Skip] and [OutboxStore.Skip]).
func (i *Inspector) SkipDeadLetter(ctx context.Context, kind inspect.Kind, name, eventID, by string) error {
	switch {
	case kind == inspect.KindOutbox && i.s.Outbox != nil:
		return i.s.Outbox.Skip(ctx, name, eventID, by, time.Now())
	case kind == inspect.KindProjection && i.s.DeadLetters != nil:
		return i.s.DeadLetters.Skip(ctx, name, eventID, by, time.Now())
	}
	return i.noStore(kind)
}

// SkippedDeadLetters lists up to limit skipped dead letters of one kind and name ("" for every
// name), the most recently skipped first.
func (i *Inspector) SkippedDeadLetters(kind inspect.Kind, name string, limit int) ([]inspect.Skip, error) {
	switch {
	case kind == inspect.KindOutbox && i.s.Outbox != nil:
		return i.s.Outbox.Skips(name, limit), nil
	case kind == inspect.KindProjection && i.s.DeadLetters != nil:
		return i.s.DeadLetters.Skips(name, limit), nil
	}
	return nil, i.noStore(kind)
}

// noStore says the inspector has no store of kind's dead letters, or kind is not one.
func (i *Inspector) noStore(kind inspect.Kind) error {
	if kind != inspect.KindOutbox && kind != inspect.KindProjection {
		return fmt.Errorf("%w: dead letters: kind %q is not %q or %q", es.ErrInvalidArgument, kind, inspect.KindOutbox, inspect.KindProjection)
	}
	return fmt.Errorf("%w: dead letters: the inspector has no %s store", es.ErrInvalidArgument, kind)
}
