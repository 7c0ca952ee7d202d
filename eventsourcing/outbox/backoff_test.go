package outbox

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoffDoublesUpToMax(t *testing.T) {
	var got []time.Duration
	for attempt := 1; attempt <= 7; attempt++ {
		got = append(got, backoff(time.Second, 30*time.Second, attempt))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	assert.Equal(t, want, got)
	assert.Equal(t, MaxDuration, backoff(MaxDuration, MaxDuration, 1_000_000), "no overflow at the bounds")
	assert.Equal(t, time.Nanosecond, backoff(time.Nanosecond, time.Nanosecond, 0))
}
