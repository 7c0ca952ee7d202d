package outbox

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/check"
)

// Limits on what a [Store] keeps.
const (
	// MaxNameBytes is the longest outbox name and owner id, in bytes.
	MaxNameBytes = 64
	// MaxErrorBytes is the longest error text kept with a failed attempt; longer texts are cut
	// (see [ErrorText]).
	MaxErrorBytes = 2000
	// MaxBatchSize is the largest batch a relay claims at once.
	MaxBatchSize = 10000
)

// ValidateName checks an outbox name or an owner id: not empty, at most [MaxNameBytes] bytes of
// valid UTF-8 without NUL.
func ValidateName(what, name string) error {
	if p := check.Text(name, MaxNameBytes, true); p != "" {
		return storekit.InvalidArgument("%s: %s", what, p)
	}
	return nil
}

// ValidateID checks a record id (an event id) given to [Store.Retry]: not empty, at most
// es.MaxIDBytes bytes of valid UTF-8 without NUL.
func ValidateID(id string) error {
	if p := check.Text(id, es.MaxIDBytes, true); p != "" {
		return storekit.InvalidArgument("id: %s", p)
	}
	return nil
}

// ValidateEnqueue checks what [Store.Enqueue] is given, the same way for every store: the
// outbox name, the enqueue time at (set, in the years 1 to 9999), at least one event, and for
// each event an EventID (unique within the call), an AggregateID (the key that orders delivery),
// an EventType, an aggregate type and tenant id that fit, a Sequence and schema Version of 0 or
// more, an OccurredAt in the years 1 to 9999 and a payload that is one JSON object. Metadata is
// checked where the store encodes it (storekit.NormalizeMetadata).
func ValidateEnqueue(outbox string, events []es.Envelope, at time.Time) error {
	if err := ValidateName("outbox name", outbox); err != nil {
		return err
	}
	if err := validateSetTime("enqueue time", at); err != nil {
		return err
	}
	if err := storekit.ValidateEvents(events); err != nil {
		return err
	}
	for i := range events {
		if err := validatePlace(&events[i], i); err != nil {
			return err
		}
	}
	return nil
}

// validatePlace checks what places an event beyond what storekit.ValidateEvents checks: its
// aggregate (the key that orders delivery), its sequence and its global position.
func validatePlace(e *es.Envelope, i int) error {
	field := func(name string) string { return "events[" + strconv.Itoa(i) + "]." + name }
	if p := check.Text(e.AggregateID, es.MaxIDBytes, true); p != "" {
		return storekit.InvalidArgument("%s: %s", field("AggregateID"), p)
	}
	if p := check.Text(e.AggregateType, es.MaxTypeBytes, false); p != "" {
		return storekit.InvalidArgument("%s: %s", field("AggregateType"), p)
	}
	if e.Sequence < 0 {
		return storekit.InvalidArgument("%s: must be 0 or more, got %d", field("Sequence"), e.Sequence)
	}
	if e.GlobalPosition < 0 {
		return storekit.InvalidArgument("%s: must be 0 or more, got %d", field("GlobalPosition"), e.GlobalPosition)
	}
	return nil
}

// validateTime checks that t is in the years every store keeps; zero is allowed when optional.
func validateTime(what string, t time.Time, optional bool) error {
	if optional && t.IsZero() {
		return nil
	}
	return storekit.ValidateTime(what, t)
}

// validateSetTime checks a time the caller's clock gives: set (not the zero time) and in the
// years every store keeps.
func validateSetTime(what string, t time.Time) error {
	if t.IsZero() {
		return storekit.InvalidArgument("%s: must be set", what)
	}
	return storekit.ValidateTime(what, t)
}

// ValidateClaimRequest checks a [ClaimRequest]: names, a limit from 1 to [MaxBatchSize], and
// Until after Now, both in the years 1 to 9999.
func ValidateClaimRequest(req ClaimRequest) error {
	if err := ValidateName("outbox name", req.Outbox); err != nil {
		return err
	}
	if err := ValidateName("owner", req.Owner); err != nil {
		return err
	}
	if req.Limit < 1 || req.Limit > MaxBatchSize {
		return storekit.InvalidArgument("limit: must be from 1 to %d, got %d", MaxBatchSize, req.Limit)
	}
	if err := validateSetTime("now", req.Now); err != nil {
		return err
	}
	if err := validateTime("until", req.Until, false); err != nil {
		return err
	}
	if !req.Until.After(req.Now) {
		return storekit.InvalidArgument("until: must be after now (%s), got %s", req.Now.Format(time.RFC3339Nano), req.Until.Format(time.RFC3339Nano))
	}
	return nil
}

// ValidateClaims checks the claims given to [Store.MarkDelivered] and [Store.Release]: ids and
// owners that fit, attempts of 1 or more, at most [MaxBatchSize] of them.
func ValidateClaims(outbox string, claims []Claim) error {
	if err := ValidateName("outbox name", outbox); err != nil {
		return err
	}
	if len(claims) > MaxBatchSize {
		return storekit.InvalidArgument("claims: at most %d at once, got %d", MaxBatchSize, len(claims))
	}
	for i, c := range claims {
		if err := validateClaim(i, c); err != nil {
			return err
		}
	}
	return nil
}

// ValidateMarkDelivered checks what [Store.MarkDelivered] is given: the claims (see
// [ValidateClaims]) and the delivery time at, set and in the years 1 to 9999 (a zero time would
// read as "not delivered").
func ValidateMarkDelivered(outbox string, claims []Claim, at time.Time) error {
	if err := ValidateClaims(outbox, claims); err != nil {
		return err
	}
	return validateSetTime("delivery time", at)
}

func validateClaim(i int, c Claim) error {
	if p := check.Text(c.ID, es.MaxIDBytes, true); p != "" {
		return storekit.InvalidArgument("claims[%d].ID: %s", i, p)
	}
	if p := check.Text(c.Owner, MaxNameBytes, true); p != "" {
		return storekit.InvalidArgument("claims[%d].Owner: %s", i, p)
	}
	if c.Attempt < 1 {
		return storekit.InvalidArgument("claims[%d].Attempt: must be 1 or more, got %d", i, c.Attempt)
	}
	return nil
}

// ValidateFailure checks what [Store.MarkFailed] is given: the claim, an error text of at most
// [MaxErrorBytes] bytes of valid UTF-8 without NUL (see [ErrorText]), and times in the years 1 to
// 9999.
func ValidateFailure(outbox string, c Claim, f Failure) error {
	if err := ValidateName("outbox name", outbox); err != nil {
		return err
	}
	if err := validateClaim(0, c); err != nil {
		return err
	}
	if p := check.Text(f.Error, MaxErrorBytes, false); p != "" {
		return storekit.InvalidArgument("failure error text: %s", p)
	}
	if err := validateTime("failure time", f.At, false); err != nil {
		return err
	}
	return validateTime("next attempt time", f.NextAttemptAt, true)
}

// ValidateLimit checks the limit of a listing or a prune: 1 or more.
func ValidateLimit(limit int) error {
	if limit < 1 {
		return storekit.InvalidArgument("limit: must be 1 or more, got %d", limit)
	}
	return nil
}

// ValidatePrune checks what [Store.Prune] is given: the outbox name, a deliveredBefore that is
// set and in the years 1 to 9999, and a limit of 1 or more.
func ValidatePrune(outbox string, deliveredBefore time.Time, limit int) error {
	if err := ValidateName("outbox name", outbox); err != nil {
		return err
	}
	if err := validateSetTime("delivered before", deliveredBefore); err != nil {
		return err
	}
	return ValidateLimit(limit)
}

// ErrorText returns err's message as a store keeps it: valid UTF-8 (invalid bytes become U+FFFD),
// NUL bytes as U+FFFD, cut to at most [MaxErrorBytes] bytes on a rune boundary.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	s := strings.ToValidUTF8(err.Error(), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= MaxErrorBytes {
		return s
	}
	const ellipsis = "…"
	cut := MaxErrorBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
