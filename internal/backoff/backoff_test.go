package backoff

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestExpDoublesUpToMax(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, Exp(time.Second, 30*time.Second, n))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	assert.Equal(t, want, got)
	assert.Equal(t, 366*24*time.Hour, Exp(366*24*time.Hour, 366*24*time.Hour, 1_000_000), "no overflow at the outbox's bounds")
	assert.Equal(t, time.Duration(math.MaxInt64), Exp(time.Nanosecond, math.MaxInt64, 1_000_000), "no overflow below the largest max")
	assert.Equal(t, time.Nanosecond, Exp(time.Nanosecond, time.Nanosecond, 0))
}
