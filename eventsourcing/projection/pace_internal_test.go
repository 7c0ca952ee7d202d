package projection

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPacePages(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	for name, tc := range map[string]struct {
		commit, perEvent, read time.Duration
		limit, commitSize      int
		want                   int
	}{
		"not measured yet: a page alone":                  {0, 0, ms, 100, 5000, 1},
		"a dear commit joins pages up to the commit size": {ms, 0, 300 * us, 100, 5000, 34},
		"capped by the commit size":                       {10 * ms, 0, 300 * us, 100, 1000, 10},
		"a commit size below the batch: a page alone":     {10 * ms, 0, 300 * us, 100, 40, 1},
		"a cheap commit: a page alone":                    {us, 0, 300 * us, 100, 5000, 1},
		"slow handlers keep the transaction short":        {10 * ms, 100 * us, 300 * us, 100, 5000, 4},
		"handlers slower than the bound: a page alone":    {10 * ms, ms, 300 * us, 100, 5000, 1},
		"a huge commit cost does not overflow":            {time.Duration(1 << 62), 0, 1, 1, 1 << 30, 1 << 20},
	} {
		t.Run(name, func(t *testing.T) {
			p := pace{commit: tc.commit, perEvent: tc.perEvent}
			assert.Equal(t, tc.want, p.pages(tc.read, tc.limit, tc.commitSize, catchUpTxTime))
		})
	}
}

func TestPacePagesWithinTheBound(t *testing.T) {
	p := pace{commit: 10 * time.Millisecond}
	assert.Equal(t, 10, p.pages(time.Millisecond, 100, 5000, 10*time.Millisecond), "ten pages of 1 ms fit in 10 ms")
	assert.Equal(t, 1, p.pages(time.Millisecond, 100, 5000, 0), "a page alone when none fits")
}

func TestPaceObserve(t *testing.T) {
	var p pace
	p.observe(100, 3*time.Millisecond, time.Millisecond)
	assert.Equal(t, 2*time.Millisecond, p.commit)
	assert.Equal(t, 10*time.Microsecond, p.perEvent)
	p.observe(10, time.Millisecond, time.Millisecond)
	assert.Positive(t, p.commit, "a measured pace stays measured")
}
