package eventsourcing

import (
	"fmt"
	"strings"
)

// DeadLetterPolicy says what a projection runner or an outbox does with an event it has failed
// on as many times as it may: the value of projection.Config.DeadLetterPolicy and
// outbox.Config.DeadLetterPolicy (keys pyfly.eventsourcing.projection.dead-letter-policy and
// pyfly.eventsourcing.outbox.dead-letter-policy). The empty policy is each one's default.
type DeadLetterPolicy string

const (
	// DeadLetterRetry never gives up: the event is tried again, after the back-off, for ever, and
	// everything behind it waits. Status shows the failing event and its attempts.
	DeadLetterRetry DeadLetterPolicy = "retry"
	// DeadLetterPark parks the event as a dead letter and goes on with the events after it,
	// those of its aggregate included.
	DeadLetterPark DeadLetterPolicy = "park"
	// DeadLetterParkAggregate parks the event and holds back every later event of the same
	// aggregate behind it, in order, as dead letters marked held, while the other aggregates
	// flow. Retrying the parked event (once it succeeds) or skipping it releases the held
	// events, applied in their order.
	DeadLetterParkAggregate DeadLetterPolicy = "park-aggregate"
	// DeadLetterPause parks the event and stops everything until no dead letter is left: an
	// operator retries (once it succeeds) or skips it.
	DeadLetterPause DeadLetterPolicy = "pause"
)

// deadLetterPolicies lists the valid policies.
var deadLetterPolicies = []DeadLetterPolicy{DeadLetterRetry, DeadLetterPark, DeadLetterParkAggregate, DeadLetterPause}

// Valid reports whether p is one of the policies (the empty one is not).
func (p DeadLetterPolicy) Valid() bool {
	for _, v := range deadLetterPolicies {
		if p == v {
			return true
		}
	}
	return false
}

// Problem says what is wrong with p and what is valid, "" when p is a policy.
func (p DeadLetterPolicy) Problem() string {
	if p.Valid() {
		return ""
	}
	return fmt.Sprintf("%q is not one of %q, %q, %q or %q", string(p),
		DeadLetterRetry, DeadLetterPark, DeadLetterParkAggregate, DeadLetterPause)
}

// Holds reports whether the policy keeps events behind a dead letter: park-aggregate (those of
// its aggregate) and pause (all).
func (p DeadLetterPolicy) Holds() bool {
	return p == DeadLetterParkAggregate || p == DeadLetterPause
}

// ParseDeadLetterPolicy reads a policy's name, in any letter case, surrounding spaces ignored.
// Anything else is an error matching [ErrInvalidArgument].
func ParseDeadLetterPolicy(s string) (DeadLetterPolicy, error) {
	p := DeadLetterPolicy(strings.ToLower(strings.TrimSpace(s)))
	if problem := p.Problem(); problem != "" {
		return "", fmt.Errorf("%w: dead-letter policy: %s", ErrInvalidArgument, problem)
	}
	return p, nil
}
