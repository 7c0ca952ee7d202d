package health

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// Option configures a [Checker].
type Option func(*Checker)

// WithRunners adds to each projection's check what the runner of this process that runs it
// says (its projection.Status): whether it runs and is active or stands by, who holds the lease
// until when, and its last error. runners is called at each report (autoconfig.Projections'
// Runners method fits). A runner of this process that does not run is a problem.
func WithRunners(runners func() []*projection.Runner) Option {
	return func(c *Checker) { c.runners = runners }
}

// Runner is what a projection's runner in this process says of itself.
type Runner struct {
	// Running is true between its Start and Stop; Active while it holds the lease (or runs
	// without one), else it stands by.
	Running, Active bool
	// LeaseHolder is the owner holding the lease until LeaseExpiresAt ("" when none does, or
	// the lease cannot tell).
	LeaseHolder    string
	LeaseExpiresAt time.Time
	// FailingPosition is the position of the event it retries (0 when none), Attempts its
	// failures on it.
	FailingPosition int64
	Attempts        int
	// LastError is its latest error's text ("" when none since it started), LastErrorAt when.
	LastError   string
	LastErrorAt time.Time
	// StatusError is why its status could not be read ("" when it could).
	StatusError string
	// Role is what its version does, for a versioned projection (see projection.WithVersion).
	Role projection.Role
}

// MarshalJSON writes running, active, lease_holder, lease_expires_at, failing_position (a
// string), attempts, last_error, last_error_at and status_error (null when empty or zero).
func (r Runner) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Running         bool    `json:"running"`
		Active          bool    `json:"active"`
		LeaseHolder     *string `json:"lease_holder"`
		LeaseExpiresAt  *string `json:"lease_expires_at"`
		FailingPosition string  `json:"failing_position"`
		Attempts        int     `json:"attempts"`
		LastError       *string `json:"last_error"`
		LastErrorAt     *string `json:"last_error_at"`
		StatusError     *string `json:"status_error"`
	}{r.Running, r.Active, text(r.LeaseHolder), timeText(r.LeaseExpiresAt), strconv.FormatInt(r.FailingPosition, 10), r.Attempts,
		text(r.LastError), timeText(r.LastErrorAt), text(r.StatusError)})
}

func text(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timeText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return text(t.UTC().Format(time.RFC3339Nano))
}

// runnerFacts reads the status of each runner of this process, by projection name.
func (c *Checker) runnerFacts(ctx context.Context) map[string]*Runner {
	if c.runners == nil {
		return nil
	}
	out := map[string]*Runner{}
	var runners []*projection.Runner
	for _, r := range c.runners() {
		if parts := r.Partitions(); parts != nil { // a split projection's checks are its partitions'
			runners = append(runners, parts...)
		} else {
			runners = append(runners, r)
		}
	}
	for _, r := range runners {
		st, err := r.Status(ctx)
		f := &Runner{Running: st.Running, Active: st.Active, LeaseHolder: st.LeaseHolder, LeaseExpiresAt: st.LeaseExpiresAt,
			FailingPosition: st.FailingPosition, Attempts: st.Attempts, LastErrorAt: st.LastErrorAt}
		if st.LastError != nil {
			f.LastError = st.LastError.Error()
		}
		if err != nil {
			f.StatusError = err.Error()
		}
		f.Role = st.Role
		out[projection.CheckpointName(r.Name(), r.Version())] = f
	}
	return out
}

// judgeRunner adds a runner's facts to its projection's check.
func judgeRunner(ch *Check, f *Runner) {
	ch.Runner = f
	switch {
	case f.StatusError != "":
		ch.note("its runner's status could not be read: " + f.StatusError)
	case !f.Running && f.Role == projection.RoleSuperseded:
		ch.note("its runner in this process stopped: another version took over")
	case !f.Running:
		ch.problem("its runner in this process is not running")
	case !f.Active && f.LeaseHolder != "":
		ch.note(fmt.Sprintf("its runner here stands by: %q holds the lease until %s", f.LeaseHolder, f.LeaseExpiresAt.UTC().Format(time.RFC3339)))
	case !f.Active:
		ch.note("its runner here stands by")
	}
	if f.FailingPosition != 0 {
		ch.note(fmt.Sprintf("its runner retries the event at position %d after %d failed attempts: %s", f.FailingPosition, f.Attempts, f.LastError))
	}
}

// runnerChecks are the checks of runners whose projections the stores do not list yet.
func runnerChecks(facts map[string]*Runner) []Check {
	names := make([]string, 0, len(facts))
	for name := range facts {
		names = append(names, name)
	}
	slices.SortFunc(names, strings.Compare)
	out := make([]Check, 0, len(names))
	for _, name := range names {
		ch := Check{Component: ComponentProjection, Name: name, Healthy: true}
		judgeRunner(&ch, facts[name])
		out = append(out, ch)
	}
	return out
}
