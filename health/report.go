package health

import (
	"encoding/json"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
)

// Component names what a [Check] is about.
type Component string

// The components a report checks.
const (
	ComponentStore      Component = "store"
	ComponentProjection Component = "projection"
	ComponentOutbox     Component = "outbox"
	ComponentHorizon    Component = "horizon"
)

// Report is the health of the stores at one moment: healthy when every check is.
type Report struct {
	// Healthy is true when every check is.
	Healthy bool
	// CheckedAt is when the report was made.
	CheckedAt time.Time
	// Checks are the store's, then each projection's and each outbox's, then the horizon's.
	Checks []Check
}

// Check is the health of one component.
type Check struct {
	// Component is what the check is about, and Name which one (a projection's or an outbox's
	// name; "" for the store and the horizon).
	Component Component
	Name      string
	// Healthy is true when nothing is wrong.
	Healthy bool
	// Problems say what makes it unhealthy; Notes what is worth knowing without being wrong
	// (dead letters under the threshold, a projection waiting at the read horizon).
	Problems []string
	Notes    []string
	// The facts the check judged: one of these is set for a projection, an outbox or the
	// horizon.
	Projection *inspect.Projection
	Outbox     *inspect.Outbox
	Horizon    *inspect.Horizon
	// Runner is what the projection's runner in this process says of itself (with
	// [WithRunners]); nil for other components and projections no runner here runs.
	Runner *Runner
}

// problem records a reason the check fails.
func (c *Check) problem(s string) {
	c.Healthy = false
	c.Problems = append(c.Problems, s)
}

// note records something worth knowing.
func (c *Check) note(s string) { c.Notes = append(c.Notes, s) }

// MarshalJSON writes healthy, checked_at and checks.
func (r Report) MarshalJSON() ([]byte, error) {
	checks := r.Checks
	if checks == nil {
		checks = []Check{}
	}
	return json.Marshal(struct {
		Healthy   bool    `json:"healthy"`
		CheckedAt string  `json:"checked_at"`
		Checks    []Check `json:"checks"`
	}{r.Healthy, r.CheckedAt.UTC().Format(time.RFC3339Nano), checks})
}

// MarshalJSON writes component, name, healthy, problems, notes and the facts checked
// (projection, outbox or horizon, in their inspect JSON forms, and runner).
func (c Check) MarshalJSON() ([]byte, error) {
	problems, notes := c.Problems, c.Notes
	if problems == nil {
		problems = []string{}
	}
	if notes == nil {
		notes = []string{}
	}
	return json.Marshal(struct {
		Component  Component           `json:"component"`
		Name       string              `json:"name,omitempty"`
		Healthy    bool                `json:"healthy"`
		Problems   []string            `json:"problems"`
		Notes      []string            `json:"notes"`
		Projection *inspect.Projection `json:"projection,omitempty"`
		Outbox     *inspect.Outbox     `json:"outbox,omitempty"`
		Horizon    *inspect.Horizon    `json:"horizon,omitempty"`
		Runner     *Runner             `json:"runner,omitempty"`
	}{c.Component, c.Name, c.Healthy, problems, notes, c.Projection, c.Outbox, c.Horizon, c.Runner})
}
