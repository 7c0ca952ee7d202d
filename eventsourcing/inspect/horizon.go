package inspect

import (
	"encoding/json"
	"time"
)

// Horizon is the PostgreSQL read horizon: readers see only events below it, and a transaction
// that stays open after writing holds it back for every database of the server.
type Horizon struct {
	// NewestPosition is the highest global position stored, readable or not.
	NewestPosition int64
	// NewestReadable is the highest position readers can see now.
	NewestReadable int64
	// Waiting counts the events stored beyond the horizon.
	Waiting int64
	// Holder is the oldest open transaction that holds the horizon back, nil when none does.
	Holder *HorizonHolder
	// ReadAt is when these facts were read.
	ReadAt time.Time
}

// HorizonHolder is a transaction holding the read horizon, as pg_stat_activity (or
// pg_prepared_xacts) shows it.
type HorizonHolder struct {
	// PID is the server process of its session; 0 for a prepared transaction.
	PID int
	// ApplicationName is its session's application_name.
	ApplicationName string
	// State is its session's state (idle in transaction, active, ...), or "prepared".
	State string
	// Database and User are its session's database and role.
	Database, User string
	// TransactionStart is when the transaction began.
	TransactionStart time.Time
	// Age is how long it has been open, by the server's clock.
	Age time.Duration
}

// MarshalJSON writes newest_position and newest_readable (strings), waiting and holder.
func (h Horizon) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		NewestPosition position       `json:"newest_position"`
		NewestReadable position       `json:"newest_readable"`
		Waiting        int64          `json:"waiting"`
		Holder         *HorizonHolder `json:"holder"`
	}{position(h.NewestPosition), position(h.NewestReadable), h.Waiting, h.Holder})
}

// MarshalJSON writes pid, application_name, state, database, user, transaction_start and
// age_seconds.
func (h HorizonHolder) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		PID              int      `json:"pid"`
		ApplicationName  string   `json:"application_name"`
		State            string   `json:"state"`
		Database         string   `json:"database"`
		User             string   `json:"user"`
		TransactionStart jsonTime `json:"transaction_start"`
		AgeSeconds       float64  `json:"age_seconds"`
	}{h.PID, h.ApplicationName, h.State, h.Database, h.User, jsonTime(h.TransactionStart), seconds(h.Age)})
}
