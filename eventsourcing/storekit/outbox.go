package storekit

import (
	"strconv"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/internal/check"
)

// MaxOutboxErrorBytes (2000) is the longest error text, in bytes, an outbox record keeps with a
// failed attempt: the relay cuts longer texts to fit, and [ValidateFailure] refuses them.
const MaxOutboxErrorBytes = check.OutboxErrorBytes

// validOutboxName checks an outbox name or an owner id: not empty, at most outbox.MaxNameBytes
// bytes of valid UTF-8 without NUL.
func validOutboxName(what, name string) error {
	return check.TextArg(what, name, outbox.MaxNameBytes, true)
}

// ValidateEnqueue checks what [outbox.Store.Enqueue] is given, the same way for every store: the
// outbox name, the enqueue time at (set, in the years 1 to 9999), at least one event, and for
// each event an EventID (unique within the call), an AggregateID (the key that orders delivery),
// an EventType, an aggregate type and tenant id that fit, a Sequence and schema Version of 0 or
// more, an OccurredAt in the years 1 to 9999, and a payload and metadata as [ValidateEvents]
// checks them.
func ValidateEnqueue(outboxName string, events []es.Envelope, at time.Time) error {
	if err := ValidateEnqueueTarget(outboxName, at); err != nil {
		return err
	}
	if err := ValidateEvents(events); err != nil {
		return err
	}
	for i := range events {
		if err := validatePlace(&events[i], i); err != nil {
			return err
		}
	}
	return nil
}

// ValidateEnqueueTarget checks the outbox name and the enqueue time of an Enqueue, as
// [ValidateEnqueue] does.
func ValidateEnqueueTarget(outboxName string, at time.Time) error {
	if err := validOutboxName("outbox name", outboxName); err != nil {
		return err
	}
	return validateSetTime("enqueue time", at)
}

// validatePlace checks what places an event beyond what [ValidateEvents] checks: its aggregate
// (the key that orders delivery), its sequence and its global position.
func validatePlace(e *es.Envelope, i int) error {
	field := func(name string) string { return "events[" + strconv.Itoa(i) + "]." + name }
	if err := check.TextArg(field("AggregateID"), e.AggregateID, es.MaxIDBytes, true); err != nil {
		return err
	}
	if err := check.TextArg(field("AggregateType"), e.AggregateType, es.MaxTypeBytes, false); err != nil {
		return err
	}
	if e.Sequence < 0 {
		return invalid("%s: must be 0 or more, got %d", field("Sequence"), e.Sequence)
	}
	if e.GlobalPosition < 0 {
		return invalid("%s: must be 0 or more, got %d", field("GlobalPosition"), e.GlobalPosition)
	}
	return nil
}

// validateOptionalTime checks that t is in the years every store keeps, or zero.
func validateOptionalTime(what string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	return ValidateTime(what, t)
}

// validateSetTime checks a time the caller's clock gives: set (not the zero time) and in the
// years every store keeps.
func validateSetTime(what string, t time.Time) error {
	if t.IsZero() {
		return invalid("%s: must be set", what)
	}
	return ValidateTime(what, t)
}

// ValidateClaimRequest checks what [outbox.Store.Claim] is given: names, a limit from 1 to
// outbox.MaxBatchSize, records per aggregate from 0 to outbox.MaxBatchSize, and Until after Now,
// both in the years 1 to 9999.
func ValidateClaimRequest(req outbox.ClaimRequest) error {
	if err := validOutboxName("outbox name", req.Outbox); err != nil {
		return err
	}
	if err := validOutboxName("owner", req.Owner); err != nil {
		return err
	}
	if req.Limit < 1 || req.Limit > outbox.MaxBatchSize {
		return invalid("limit: must be from 1 to %d, got %d", outbox.MaxBatchSize, req.Limit)
	}
	if req.PerAggregate < 0 || req.PerAggregate > outbox.MaxBatchSize {
		return invalid("records per aggregate: must be from 0 (heads alone) to %d, got %d", outbox.MaxBatchSize, req.PerAggregate)
	}
	if err := validateSetTime("now", req.Now); err != nil {
		return err
	}
	if err := ValidateTime("until", req.Until); err != nil {
		return err
	}
	if !req.Until.After(req.Now) {
		return invalid("until: must be after now (%s), got %s", req.Now.Format(time.RFC3339Nano), req.Until.Format(time.RFC3339Nano))
	}
	return nil
}

// ValidateClaims checks the claims given to [outbox.Store.Release] and
// [outbox.DeliveredDeleter.DeleteDelivered] (and, through [ValidateMarkDelivered], to
// MarkDelivered): the outbox name, at most outbox.MaxBatchSize
// claims, each with an id and owner that fit and an attempt of 1 or more.
func ValidateClaims(outboxName string, claims []outbox.Claim) error {
	if err := validOutboxName("outbox name", outboxName); err != nil {
		return err
	}
	if len(claims) > outbox.MaxBatchSize {
		return invalid("claims: at most %d at once, got %d", outbox.MaxBatchSize, len(claims))
	}
	for i, c := range claims {
		if err := validateClaim(i, c); err != nil {
			return err
		}
	}
	return nil
}

// ValidateMarkDelivered checks what [outbox.Store.MarkDelivered] is given: the claims (see
// [ValidateClaims]) and the delivery time at, set and in the years 1 to 9999 (a zero time would
// read as "not delivered").
func ValidateMarkDelivered(outboxName string, claims []outbox.Claim, at time.Time) error {
	if err := ValidateClaims(outboxName, claims); err != nil {
		return err
	}
	return validateSetTime("delivery time", at)
}

func validateClaim(i int, c outbox.Claim) error {
	field := func(name string) string { return "claims[" + strconv.Itoa(i) + "]." + name }
	if err := check.TextArg(field("ID"), c.ID, es.MaxIDBytes, true); err != nil {
		return err
	}
	if err := check.TextArg(field("Owner"), c.Owner, outbox.MaxNameBytes, true); err != nil {
		return err
	}
	if c.Attempt < 1 {
		return invalid("%s: must be 1 or more, got %d", field("Attempt"), c.Attempt)
	}
	return nil
}

// ValidateFailure checks what [outbox.Store.MarkFailed] is given: the outbox name, the claim, an
// error text of at most [MaxOutboxErrorBytes] bytes of valid UTF-8 without NUL, and times in the
// years 1 to 9999 (NextAttemptAt may be zero).
func ValidateFailure(outboxName string, c outbox.Claim, f outbox.Failure) error {
	if err := validOutboxName("outbox name", outboxName); err != nil {
		return err
	}
	if err := validateClaim(0, c); err != nil {
		return err
	}
	if err := check.TextArg("failure error text", f.Error, MaxOutboxErrorBytes, false); err != nil {
		return err
	}
	if err := ValidateTime("failure time", f.At); err != nil {
		return err
	}
	return validateOptionalTime("next attempt time", f.NextAttemptAt)
}

// ValidateOutboxList checks what [outbox.Store.Pending] and [outbox.Store.DeadLetters] are
// given: the outbox name and a limit of 1 or more.
func ValidateOutboxList(outboxName string, limit int) error {
	if err := validOutboxName("outbox name", outboxName); err != nil {
		return err
	}
	return validateLimit(limit)
}

// validateLimit checks the limit of a listing or a prune: 1 or more.
func validateLimit(limit int) error {
	if limit < 1 {
		return invalid("limit: must be 1 or more, got %d", limit)
	}
	return nil
}

// ValidateRetry checks what [outbox.Store.Retry] is given: the outbox name and a record id (an
// event id) of at most es.MaxIDBytes bytes of valid UTF-8 without NUL.
func ValidateRetry(outboxName, id string) error {
	if err := validOutboxName("outbox name", outboxName); err != nil {
		return err
	}
	return check.TextArg("id", id, es.MaxIDBytes, true)
}

// ValidatePrune checks what [outbox.Store.Prune] is given: the outbox name, a deliveredBefore
// that is set and in the years 1 to 9999, and a limit of 1 or more.
func ValidatePrune(outboxName string, deliveredBefore time.Time, limit int) error {
	if err := validOutboxName("outbox name", outboxName); err != nil {
		return err
	}
	if err := validateSetTime("delivered before", deliveredBefore); err != nil {
		return err
	}
	return validateLimit(limit)
}
