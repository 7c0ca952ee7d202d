package outbox

import (
	"errors"
	"fmt"
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
