// Package backoff computes the exponential waits of the outbox relay and the projection runner.
package backoff

import "time"

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
