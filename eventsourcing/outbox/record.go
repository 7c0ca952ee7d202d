package outbox

import (
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// Record is one event in an outbox and where its delivery stands.
type Record struct {
	// ID identifies the record within its outbox: the event id.
	ID string
	// Outbox is the name of the outbox the record belongs to.
	Outbox string
	// Event is the envelope to publish.
	Event es.Envelope
	// Attempts counts the deliveries started: every claim adds one (a claim released unused
	// takes it back).
	Attempts int
	// LastError is the error of the last failed attempt, "" when none failed.
	LastError string
	// CreatedAt is when the record was enqueued.
	CreatedAt time.Time
	// NextAttemptAt is when the record becomes due again after a failure; zero means at once.
	NextAttemptAt time.Time
	// LastAttemptAt is when the last failure was recorded, zero before any.
	LastAttemptAt time.Time
	// DeliveredAt is when the record was marked delivered, zero until then.
	DeliveredAt time.Time
	// Dead reports a dead letter: its attempts ran out; only [Outbox.Retry] brings it back.
	Dead bool
	// ClaimedBy is the owner holding the record, "" when none does.
	ClaimedBy string
	// ClaimedUntil is when the current claim expires; zero when the record is not claimed.
	ClaimedUntil time.Time
}

// Claim identifies one claim on a record: the owner that made it and the attempt it started.
// Stores apply marks only to the claim that is still current, so a relay whose claim expired and
// was taken over cannot overwrite the new holder's outcome.
type Claim struct {
	ID      string
	Owner   string
	Attempt int
}

// Claim returns the claim r is held under.
func (r Record) Claim() Claim { return Claim{ID: r.ID, Owner: r.ClaimedBy, Attempt: r.Attempts} }

// Clone returns a deep copy of r.
func (r Record) Clone() Record {
	r.Event = r.Event.Clone()
	return r
}
