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

func TestDefaults(t *testing.T) {
	for _, tc := range []struct{ initial, max, wantInitial, wantMax time.Duration }{
		{0, 0, time.Second, time.Minute},
		{0, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}, // a max alone holds
		{0, time.Hour, time.Second, time.Hour},
		{2 * time.Second, 0, 2 * time.Second, time.Minute},
		{2 * time.Hour, 0, 2 * time.Hour, time.Minute}, // left for the caller's check to refuse
		{5 * time.Millisecond, 10 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond},
	} {
		initial, maxWait := Defaults(tc.initial, tc.max, time.Second, time.Minute)
		assert.Equal(t, tc.wantInitial, initial, "%v", tc)
		assert.Equal(t, tc.wantMax, maxWait, "%v", tc)
	}
}
