package outbox

import "time"

// backoff returns the wait after the attempt-th failed attempt (from 1): initial, doubling after
// each further failure, capped at max.
func backoff(initial, max time.Duration, attempt int) time.Duration {
	d := initial
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
