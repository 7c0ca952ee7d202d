package eventsourcing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofly/eventsourcing/internal/errs"
)

// Sentinel errors. Match them with [errors.Is]; the typed errors below match them too.
var (
	// ErrConcurrency reports that an append lost an optimistic-concurrency race: the aggregate's
	// version in the store was not the expected one. Reload the aggregate and run the command again.
	ErrConcurrency = errors.New("eventsourcing: concurrency conflict")
	// ErrNoHandler reports an event that has no handler on the aggregate: neither a [When] handler
	// nor an On<EventType> method.
	ErrNoHandler = errors.New("eventsourcing: no handler for event")
	// ErrAggregateNotFound reports a Load of an aggregate that has neither a snapshot nor events.
	ErrAggregateNotFound = errors.New("eventsourcing: aggregate not found")
	// ErrEnvelopeMismatch reports a replayed envelope or snapshot that belongs to another aggregate id
	// or type, or whose sequence does not follow the aggregate's version.
	ErrEnvelopeMismatch = errors.New("eventsourcing: envelope does not match the aggregate")
	// ErrInvalidArgument reports bad input: the message names the argument and what is valid.
	ErrInvalidArgument = errs.InvalidArgument
	// ErrDecode reports a payload, snapshot or upcaster output that could not be decoded. A
	// stored event that a store cannot hand out is a *[DecodeError], which matches it.
	ErrDecode = errors.New("eventsourcing: decode failed")
	// ErrOutcomeUnknown reports an append that may or may not have committed: its context ended, or
	// the connection was lost, after the commit was sent. The error wraps the cause. Retrying with
	// the same envelopes (same event ids) is safe: a store recognises events it already holds.
	ErrOutcomeUnknown = errors.New("eventsourcing: outcome unknown")
	// ErrInvalidHandler reports a mistake in the handler definitions of an aggregate or a
	// projection: two handlers for one event type, a handler whose parameter names no event type
	// (an interface, for one), or a nil On handler.
	ErrInvalidHandler = errors.New("eventsourcing: invalid event handler")
)

// ConcurrencyError is the typed form of [ErrConcurrency]. Expected is the version the caller
// expected; Actual is the version found in the store, or -1 when the store could not tell (a race
// detected by a unique constraint inside a transaction).
type ConcurrencyError struct {
	AggregateID   string
	AggregateType string
	Expected      int64
	Actual        int64
	// Reason, when set, replaces the default explanation.
	Reason string
}

// Error implements error.
func (e *ConcurrencyError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("eventsourcing: concurrency conflict on aggregate %q: %s", e.AggregateID, e.Reason)
	}
	if e.Actual < 0 {
		return fmt.Sprintf("eventsourcing: concurrency conflict on aggregate %q: concurrent append at expected version %d; reload and retry", e.AggregateID, e.Expected)
	}
	return fmt.Sprintf("eventsourcing: concurrency conflict on aggregate %q: expected version %d, found %d; reload and retry", e.AggregateID, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConcurrency) true.
func (e *ConcurrencyError) Is(target error) bool { return target == ErrConcurrency }

// DecodeError reports a stored event that a store cannot hand out: a row whose metadata, payload
// or time does not decode (written by an older version, by hand or by another program), or an
// upcaster that fails on it or returns what no reader could decode. It names the event and its
// place, so that a reader can deal with that one event and go on with the events after it (see
// [EventStore.ReadAll]); a projection runner parks it as a dead letter. It matches [ErrDecode]
// and unwraps to the cause.
type DecodeError struct {
	// Event is the event as far as it decoded: always its EventID, AggregateID, Sequence and
	// GlobalPosition. Of a row that does not decode, the other columns the store could read,
	// without metadata, and with the payload only when it is a JSON object (else nil); on an
	// upcaster's failure, the event that upcaster was given.
	Event Envelope
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	cause := "unknown cause"
	if e.Err != nil {
		cause = strings.TrimPrefix(e.Err.Error(), ErrDecode.Error()+": ")
	}
	return fmt.Sprintf("%v: event %s of %s %q (sequence %d) at global position %d: %s",
		ErrDecode, e.Event.EventID, e.Event.AggregateType, e.Event.AggregateID, e.Event.Sequence, e.Event.GlobalPosition, cause)
}

// Is makes errors.Is(err, ErrDecode) true.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// EventHandlerError reports an event that an aggregate could not handle: no handler
// ([ErrNoHandler]), a payload that does not decode into the handler's type ([ErrDecode]), or the
// handler's own error. It unwraps to the cause.
type EventHandlerError struct {
	EventType     string
	AggregateType string
	Err           error
	msg           string
}

// Error implements error.
func (e *EventHandlerError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	cause := "<nil>"
	if e.Err != nil { // the cause's own "eventsourcing: " is said once, here
		cause = strings.TrimPrefix(e.Err.Error(), "eventsourcing: ")
	}
	return fmt.Sprintf("eventsourcing: event %q on %s: %s", e.EventType, e.AggregateType, cause)
}

// Unwrap returns the cause.
func (e *EventHandlerError) Unwrap() error { return e.Err }

// invalidArg builds an ErrInvalidArgument error naming the argument.
func invalidArg(format string, args ...any) error { return errs.Invalid(format, args...) }
