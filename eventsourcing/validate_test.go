package eventsourcing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

func TestValidateAppendNamesTheField(t *testing.T) {
	e1, err := es.NewEnvelope(OrderPlaced{})
	require.NoError(t, err)
	e2 := e1.Clone()
	e2.EventID = "second"
	e2.EventType = strings.Repeat("t", 256)
	err = es.ValidateAppend("a", "T", 0, []es.Envelope{e1, e2})
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.EqualError(t, err, "eventsourcing: invalid argument: events[1].EventType: at most 255 bytes, got 256")
	e2.EventType = "E"
	e2.TenantID = "\xff"
	assert.EqualError(t, es.ValidateAppend("a", "T", 0, []es.Envelope{e1, e2}),
		"eventsourcing: invalid argument: events[1].TenantID: must be valid UTF-8")
	e2.TenantID = ""
	require.NoError(t, es.ValidateAppend("a", "T", 0, []es.Envelope{e1, e2}))
	assert.EqualError(t, es.ValidateAppend("a", strings.Repeat("T", 256), 0, []es.Envelope{e1}),
		"eventsourcing: invalid argument: aggregate type: at most 255 bytes, got 256")
}
