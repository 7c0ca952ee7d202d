package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetadataRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newEventStore(t, openDB(t, "sqlite::memory:"))
	cases := []map[string]any{
		{"correlation_id": "c-1", "causation_id": "e-9"},
		{"quote\"key": "back\\slash", "ctl": "a\x01b\n\t\r", "uni": "ü€😀", "html": "<a&b>"},
		{"n": 1.5, "s": "x", "nested": map[string]any{"k": []any{"a", true, nil}}},
	}
	for i, md := range cases {
		e := envs(t, 1)
		e[0].Metadata = md
		id := string(rune('a' + i))
		require.NoError(t, s.Append(ctx, id, "T", 0, e))
		got, err := s.Load(ctx, id, 0)
		require.NoError(t, err)
		assert.Equal(t, md, got[0].Metadata)
	}
}
