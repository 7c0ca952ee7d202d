package projection

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultSwitchLag is how many readable events a new version may have left to apply when it
// takes over ([Config.SwitchLag]).
const DefaultSwitchLag = 100

// MaxSwitchLag is the highest [Config.SwitchLag].
const MaxSwitchLag = 100000

// WithVersion sets the projection's version (1 to [MaxVersion], default [DefaultVersion] or the
// one [Config.Versions] gives its name). Each version has a checkpoint of its own
// ([CheckpointName]: "orders_view" for version 1, "orders_view@v2" for version 2), a lease and
// dead letters of its own, and the handler learns it from its context ([VersionFrom]), so that
// it writes a read model of its own ("orders_view_v2").
//
// The checkpoint store records which version is active (version 1 until another takes over).
// A runner of a version above the active one catches up from the start of the stream while the
// active one keeps serving, its handler in replay mode ([IsReplay]); once at most
// [Config.SwitchLag] readable events are left after its checkpoint it takes over, in one
// transaction of the checkpoint store: the handoff position is the higher of the two versions'
// checkpoints, taken under the old one's lock (its batch in flight commits first). The old
// version's runner, in this process or another, learns it at its next batch: it applies the
// events up to the handoff position, then stops. The new version applies the events after it
// live. A runner of a version below the active one does the same: it applies events up to the
// handoff position, if it has not, and stops. A new version's checkpoint starts where
// [Config.StartFrom] says, as any new checkpoint does: leave it at [StartEarliest] to build the
// read model from the start of the stream. The old version's checkpoint and dead letters stay
// until an operator retires the version (bunstore.Admin.RetireProjection, esctl projection
// retire).
func WithVersion(n int) Option {
	return option("WithVersion", "Version", versionProblem(n), func(*Config) {}).and(func(s *setup) { s.version = n })
}

// WithSwitchLag sets [Config.SwitchLag]: how many readable events a new version may have left
// to apply when it takes over (0: [DefaultSwitchLag]; up to [MaxSwitchLag]).
func WithSwitchLag(n int64) Option {
	return option("WithSwitchLag", "SwitchLag", switchLagProblem(n), func(c *Config) { c.SwitchLag = n })
}

// and returns an Option that runs o, then set.
func (o Option) and(set func(*setup)) Option {
	return func(s *setup) error {
		if err := o(s); err != nil {
			return err
		}
		set(s)
		return nil
	}
}

// resolveVersion is the version a runner of the projection named name runs, and whether it is
// versioned: WithVersion or Config.Versions set it.
func (c *config) resolveVersion(name string) (int, bool) {
	if c.version != 0 {
		return c.version, true
	}
	if v, ok := c.versions[name]; ok {
		return v, true
	}
	return DefaultVersion, false
}

func switchLagProblem(n int64) string {
	if n < 0 || n > MaxSwitchLag {
		return fmt.Sprintf("must be from 0 to %d, got %d", MaxSwitchLag, n)
	}
	return ""
}

// versionsProblem checks every version of a [Config.Versions], naming the first bad one in
// name order.
func versionsProblem(vs map[string]int) string {
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if p := versionProblem(vs[n]); p != "" {
			return fmt.Sprintf("projection %q: %s", n, p)
		}
		if strings.TrimSpace(n) == "" {
			return "a projection name is empty"
		}
	}
	return ""
}
