package inspect

import (
	"encoding/json"
	"time"
)

// Outbox is one outbox's backlog.
type Outbox struct {
	// Name is the outbox's name.
	Name string
	// Pending counts the records neither delivered nor dead (claimed or not).
	Pending int64
	// OldestPendingAt is when the oldest pending record was enqueued; zero without one.
	OldestPendingAt time.Time
	// DeadLetters counts the records whose attempts ran out.
	DeadLetters int64
	// ReadAt is when these facts were read.
	ReadAt time.Time
}

// OldestPendingAge is how long the oldest pending record has waited, as of ReadAt: 0 without
// one.
func (o Outbox) OldestPendingAge() time.Duration {
	if o.Pending == 0 || o.OldestPendingAt.IsZero() || o.ReadAt.Before(o.OldestPendingAt) {
		return 0
	}
	return o.ReadAt.Sub(o.OldestPendingAt)
}

// MarshalJSON writes name, pending, oldest_pending_at, oldest_pending_age_seconds and
// dead_letters.
func (o Outbox) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name            string   `json:"name"`
		Pending         int64    `json:"pending"`
		OldestPendingAt jsonTime `json:"oldest_pending_at"`
		OldestAge       float64  `json:"oldest_pending_age_seconds"`
		DeadLetters     int64    `json:"dead_letters"`
	}{o.Name, o.Pending, jsonTime(o.OldestPendingAt), seconds(o.OldestPendingAge()), o.DeadLetters})
}
