package inspect

import (
	"encoding/json"
	"time"
)

// State is what a projection is doing, as its stores tell it (see [StateOf]).
type State string

// The states of a projection.
const (
	// StateActive: a runner holds the projection's lease (or it runs without one) and keeps up.
	StateActive State = "active"
	// StateStandingBy: no runner holds the lease since its holder stopped renewing it without
	// releasing it (its process died or lost the database); a runner standing by takes it over
	// at its next try.
	StateStandingBy State = "standing by"
	// StateFailing: a runner holds the lease, but a readable event has waited for the stall
	// threshold and the checkpoint has not moved for as long: a handler keeps failing, or its
	// batches never commit.
	StateFailing State = "failing"
	// StateStopped: no runner applies events: the lease was released (or expired long ago and
	// nobody took it), or a projection without a lease has stood still while events wait.
	StateStopped State = "stopped"
)

// Projection is one projection's checkpoint, lease and dead letters, and how far it lags.
type Projection struct {
	// Name is the projection's name; Version the version whose checkpoint this is (1 for a
	// projection that never changed version; see projection.WithVersion).
	Name    string
	Version int
	// Role is what the version does, for a versioned projection: "active", "catching up",
	// "handing off" or "superseded" (a superseded version's runner has stopped: retire it);
	// "" for a projection that is not versioned.
	Role string
	// Position is its checkpoint: the global position up to which it applied the stream.
	Position int64
	// UpdatedAt is when the checkpoint last moved (or was reset or created).
	UpdatedAt time.Time
	// Lag counts the events stored after Position, readable or beyond the read horizon.
	Lag int64
	// OldestWaitingAt is when the first event after Position was recorded; zero when Lag is 0.
	OldestWaitingAt time.Time
	// HeldAtHorizon is true when the projection has applied every readable event and the events
	// it lags behind wait beyond the read horizon (a transaction holds it; see [Horizon]).
	HeldAtHorizon bool
	// State is what it is doing (see [StateOf]).
	State State
	// LeaseHolder is the owner of the projection's lease while it is live, else the owner that
	// held it last without releasing it; "" when released or never taken.
	LeaseHolder string
	// LeaseExpiresAt is when the holder's lease ends unless extended; zero without a holder.
	LeaseExpiresAt time.Time
	// DeadLetters counts its parked events.
	DeadLetters int64
	// ReadAt is when these facts were read.
	ReadAt time.Time
}

// LagTime is how long the oldest event the projection has not applied has waited, as of
// ReadAt: 0 when it lags behind nothing.
func (p Projection) LagTime() time.Duration {
	if p.Lag == 0 || p.OldestWaitingAt.IsZero() || p.ReadAt.Before(p.OldestWaitingAt) {
		return 0
	}
	return p.ReadAt.Sub(p.OldestWaitingAt)
}

// MarshalJSON writes name, position (a string), lag, state, lease_holder, lease_expires_at,
// dead_letters, then updated_at, oldest_waiting_at, lag_seconds, held_at_horizon, version and
// role.
func (p Projection) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name            string   `json:"name"`
		Position        position `json:"position"`
		Lag             int64    `json:"lag"`
		State           State    `json:"state"`
		LeaseHolder     jsonText `json:"lease_holder"`
		LeaseExpiresAt  jsonTime `json:"lease_expires_at"`
		DeadLetters     int64    `json:"dead_letters"`
		UpdatedAt       jsonTime `json:"updated_at"`
		OldestWaitingAt jsonTime `json:"oldest_waiting_at"`
		LagSeconds      float64  `json:"lag_seconds"`
		HeldAtHorizon   bool     `json:"held_at_horizon"`
		Version         int      `json:"version"`
		Role            jsonText `json:"role"`
	}{p.Name, position(p.Position), p.Lag, p.State, jsonText(p.LeaseHolder), jsonTime(p.LeaseExpiresAt), p.DeadLetters,
		jsonTime(p.UpdatedAt), jsonTime(p.OldestWaitingAt), seconds(p.LagTime()), p.HeldAtHorizon, p.Version, jsonText(p.Role)})
}

// Lease is a projection's lease as stored.
type Lease struct {
	// Exists is false when the projection has no lease record (it runs without a lease, or
	// never ran with one).
	Exists bool
	// Holder is the owner recorded, "" once released.
	Holder string
	// ExpiresAt is when the acquisition ends unless extended.
	ExpiresAt time.Time
	// Live is true while the acquisition has not expired (by the store's clock) nor been
	// released.
	Live bool
}

// StateOf tells a projection's state from what its stores keep: its lease, how long the oldest
// readable event after its checkpoint has waited (waited, 0 when none waits), how long ago the
// checkpoint last moved (idle) and how long ago the lease expired (when it did), measured
// against stall, the stall threshold. The projection stands still when an event has waited for
// stall or longer and the checkpoint has not moved for as long:
//   - a live lease is [StateActive], or [StateFailing] when the projection stands still;
//   - without a lease record, the runner runs without a lease: [StateActive], or [StateStopped]
//     when it stands still (a runner without a lease cannot be told from none);
//   - a lease expired with its holder still recorded is [StateStandingBy] for stall after its
//     expiry, then [StateStopped];
//   - a released lease is [StateStopped].
func StateOf(l Lease, waited, idle, expiredFor, stall time.Duration) State {
	stuck := waited > 0 && waited >= stall && idle >= stall
	switch {
	case l.Live && stuck:
		return StateFailing
	case l.Live:
		return StateActive
	case !l.Exists && stuck:
		return StateStopped
	case !l.Exists:
		return StateActive
	case l.Holder != "" && expiredFor < stall:
		return StateStandingBy
	}
	return StateStopped
}
