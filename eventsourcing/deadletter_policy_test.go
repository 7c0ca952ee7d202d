package eventsourcing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

func TestParseDeadLetterPolicy(t *testing.T) {
	for in, want := range map[string]es.DeadLetterPolicy{
		"retry": es.DeadLetterRetry, " Park ": es.DeadLetterPark, "PARK-AGGREGATE": es.DeadLetterParkAggregate, "pause": es.DeadLetterPause,
	} {
		got, err := es.ParseDeadLetterPolicy(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "skip", "park_aggregate"} {
		_, err := es.ParseDeadLetterPolicy(bad)
		require.ErrorIs(t, err, es.ErrInvalidArgument, bad)
		assert.ErrorContains(t, err, `is not one of "retry", "park", "park-aggregate" or "pause"`)
	}
	assert.True(t, es.DeadLetterPause.Holds())
	assert.True(t, es.DeadLetterParkAggregate.Holds())
	assert.False(t, es.DeadLetterPark.Holds())
}
