package projection

import (
	"context"
	"errors"
)

// ErrNoDeadLetter reports a retry asked for an event the projection has not parked.
var ErrNoDeadLetter = errors.New("projection: no dead letter with that id")

// RetryStore is a [DeadLetterStore] that keeps operators' requests to apply parked events again
// (esctl dead-letters retry). The memory and Bun dead-letter stores implement it.
//
// A [Runner] whose dead-letter store implements it looks for requests at most once a poll
// interval while it is active, and applies each requested event whose position its checkpoint
// has passed (a later one is applied again by the replay that reaches it): in one transaction of
// the checkpoint store when it runs them, under the runner's lease token, the letter is deleted
// and the handler called, so the read model's writes commit with the deletion, exactly once. A
// handler that fails again parks the event again with one more attempt and the new error, which
// ends the request. The event is applied out of its place in the stream: after the events that
// followed it.
type RetryStore interface {
	DeadLetterStore
	// RequestRetry asks the projection's runner to apply its dead letter of eventID again. It
	// returns an error matching [ErrNoDeadLetter] when the projection has no such letter.
	// Parking the event again (Park) or deleting it ends the request.
	RequestRetry(ctx context.Context, projection, eventID string) error
	// RetryRequests lists the projection's dead letters asked for again, in position order, at
	// most limit (limit ≥ 1).
	RetryRequests(ctx context.Context, projection string, limit int) ([]DeadLetter, error)
}
