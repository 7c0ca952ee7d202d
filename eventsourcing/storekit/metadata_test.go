package storekit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Before the fix "null" decoded to a nil map and no error, and "{}}" to an empty map.
func TestDecodeMetadataRefusesWhatIsNotOneObject(t *testing.T) {
	for _, raw := range []string{`null`, ` null`, `{}}`, `{"a":"b"}}`, `{"a":1}]`, `{} {}`, `[]`, `"x"`, `7`, `{`} {
		m, err := storekit.DecodeMetadata([]byte(raw))
		require.ErrorIs(t, err, es.ErrDecode, "%q", raw)
		assert.Nil(t, m, "%q", raw)
	}
	for _, raw := range []string{``, `{}`, ` {"a":"b"} `, `{"n":1}`} {
		m, err := storekit.DecodeMetadata([]byte(raw))
		require.NoError(t, err, "%q", raw)
		assert.NotNil(t, m, "%q", raw)
	}
}
