// Package backoff computes the exponential waits of the outbox relay and the projection runner.
package backoff

import (
	"cmp"
	"time"
)

// Exp returns the wait after the n-th failure in a row (from 1): initial, doubled after each
// further failure, capped at max. It never overflows, whatever max and n.
func Exp(initial, max time.Duration, n int) time.Duration {
	d := initial
	for i := 1; i < n; i++ {
		if d > max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// Defaults returns the initial and max waits of a back-off whose zero waits mean the defaults
// defInitial and defMax. A max given alone below defInitial is the initial wait too, so that the
// max holds.
func Defaults(initial, max, defInitial, defMax time.Duration) (time.Duration, time.Duration) {
	if initial == 0 {
		initial = defInitial
		if max > 0 {
			initial = min(initial, max)
		}
	}
	return initial, cmp.Or(max, defMax)
}
