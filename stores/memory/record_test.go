package memory_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// The store keeps metadata of plain values apart from the callers' maps, and shares it between
// the events of one call that carry the same: no caller reaches it through their own map, a
// loaded map, or another event's.
func TestMetadataIsTheStoresOwn(t *testing.T) {
	for _, unit := range []bool{false, true} {
		ctx := context.Background()
		s := memory.NewEventStore()
		evs := testkit.Envelopes(t, "E", 0, 6)
		evs[0].Metadata = map[string]any{"k": "v", "n": 1.5, "b": true, "z": nil}
		evs[1].Metadata = map[string]any{"k": "v", "n": 1.5, "b": true, "z": nil} // the same, another map
		evs[2].Metadata = map[string]any{"n": 0.0}
		evs[3].Metadata = map[string]any{"n": math.Copysign(0, -1)} // equal to 0 but another number
		evs[4].Metadata = map[string]any{"k": "v", "nested": map[string]any{"a": "b"}}
		evs[5].Metadata = nil
		want := make([]map[string]any, len(evs))
		for i := range evs {
			want[i] = map[string]any{}
			for k, v := range evs[i].Metadata {
				want[i][k] = v
			}
		}
		want[4]["nested"] = map[string]any{"a": "b"}
		load := func(ctx context.Context) []es.Envelope {
			t.Helper()
			got, err := s.Load(ctx, "a", 0)
			require.NoError(t, err)
			require.Len(t, got, len(evs))
			return got
		}
		check := func(ctx context.Context, what string) {
			t.Helper()
			for i, e := range load(ctx) {
				assert.Equal(t, want[i], e.Metadata, "%s: event %d", what, i)
			}
			assert.True(t, math.Signbit(load(ctx)[3].Metadata["n"].(float64)), "%s: -0 stays -0", what)
		}

		run := func(ctx context.Context) error {
			require.NoError(t, s.Append(ctx, "a", "T", 0, evs))
			for i := range evs {
				if evs[i].Metadata != nil {
					evs[i].Metadata["k"] = "changed by the caller"
				}
			}
			evs[4].Metadata["nested"].(map[string]any)["a"] = "changed by the caller"
			check(ctx, "after the caller changed its maps")
			got := load(ctx)
			for i := range got {
				got[i].Metadata["k"] = "changed by a reader"
			}
			got[4].Metadata["nested"].(map[string]any)["a"] = "changed by a reader"
			check(ctx, "after a reader changed the maps it loaded")
			return nil
		}
		if unit {
			require.NoError(t, s.InTx(ctx, run))
		} else {
			require.NoError(t, run(ctx))
		}
		check(ctx, "committed")
		page, err := s.ReadAll(ctx, 0, 10)
		require.NoError(t, err)
		for i := range page {
			assert.Equal(t, want[i], page[i].Metadata, "ReadAll: event %d", i)
			page[i].Metadata["k"] = "changed by a reader"
		}
		check(ctx, "after a reader changed the maps ReadAll gave")
	}
}
