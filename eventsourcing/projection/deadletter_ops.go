package projection

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SkipStore is a [DeadLetterStore] whose letters an operator can skip (esctl dead-letters skip):
// the memory and Bun dead-letter stores implement it.
type SkipStore interface {
	DeadLetterStore
	// Skip removes the projection's dead letter of eventID, never to be applied, and records
	// who skipped it and when, in the transaction ctx carries when the store joins it. It
	// returns an error matching [ErrNoDeadLetter] when the projection has no such letter. Under
	// the dead-letter policies that hold events back, the runner then goes on: the held events
	// of its aggregate are applied in order (park-aggregate), or the stream (pause), once no
	// dead letter is left.
	Skip(ctx context.Context, projection, eventID, by string, at time.Time) error
}

// retryAllPage is how many dead letters one read of RequestRetryAll takes.
const retryAllPage = 500

// RequestRetryAll asks the projection's runner to apply every dead letter of the projection
// again (see [RetryStore]), in their original order: the runner applies the requested letters in
// position order. A letter held back behind an earlier one of its aggregate (see
// [DeadLetter.Held]) is not asked for: it is applied, in order, once that one is. It returns how
// many letters it asked for. Letters parked meanwhile may or may not be among them.
func RequestRetryAll(ctx context.Context, rs RetryStore, projection string) (int, error) {
	n := 0
	var after int64
	for {
		page, err := rs.List(ctx, projection, after, retryAllPage)
		if err != nil {
			return n, fmt.Errorf("projection %q: retry every dead letter: %w", projection, err)
		}
		for _, d := range page {
			if d.Held() {
				continue
			}
			switch err := rs.RequestRetry(ctx, projection, d.Event.EventID); {
			case errors.Is(err, ErrNoDeadLetter): // retried or deleted meanwhile
			case err != nil:
				return n, fmt.Errorf("projection %q: retry dead letter %s: %w", projection, d.Event.EventID, err)
			default:
				n++
			}
		}
		if len(page) < retryAllPage {
			return n, nil
		}
		after = page[len(page)-1].Event.GlobalPosition
	}
}
