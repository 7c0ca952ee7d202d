package outbox

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gofly/eventsourcing/internal/check"
)

func TestErrorText(t *testing.T) {
	assert.Empty(t, errorText(nil))
	assert.Equal(t, "a\uFFFDb\uFFFDc", errorText(errors.New("a\x00b\xffc")))
	long := errorText(errors.New(strings.Repeat("日", check.OutboxErrorBytes)))
	assert.LessOrEqual(t, len(long), check.OutboxErrorBytes)
	assert.True(t, strings.HasSuffix(long, "…"))
	assert.Equal(t, strings.Repeat("x", check.OutboxErrorBytes), errorText(fmt.Errorf("%s", strings.Repeat("x", check.OutboxErrorBytes))))
}

// Before the fix, WithMaxAttempts refused more than 1,000,000 while its doc said "1 or more".
func TestMaxAttemptsAcceptsAnyPositiveNumber(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{1, 1}, {5, 5}, {1_000_001, 1_000_001}, {MaxAttempts, MaxAttempts}, {math.MaxInt, MaxAttempts}} {
		c := DefaultConfig()
		assert.NoError(t, WithMaxAttempts(tc.n)(&c), "%d", tc.n)
		assert.NoError(t, c.Validate(), "%d", tc.n)
		assert.Equal(t, tc.want, c.MaxAttempts, "%d", tc.n)
	}
	c := DefaultConfig()
	assert.ErrorContains(t, WithMaxAttempts(0)(&c), "must be from 1 to")
}
