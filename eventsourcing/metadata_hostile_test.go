package eventsourcing_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

// hostileMetadata holds metadata no store accepts. Before the fix, the maps and lists that
// contain themselves overflowed the stack in WithMetadata, Save and Clone (a fatal error that
// recover cannot catch), and the memory store kept NaN.
func hostileMetadata() map[string]map[string]any {
	self := map[string]any{"k": "v"}
	self["self"] = self
	list := []any{"x", nil}
	list[1] = list
	deep := map[string]any{"end": 1.0}
	for range 10_000 {
		deep = map[string]any{"a": deep}
	}
	return map[string]map[string]any{
		"map inside itself":  {"m": self},
		"list inside itself": {"l": list},
		"NaN":                {"n": math.NaN()},
		"+Inf":               {"n": math.Inf(1)},
		"key not UTF-8":      {"\xff": "x"},
		"10,001 levels":      {"d": deep},
	}
}

func TestSaveRefusesHostileMetadataWithoutCrashing(t *testing.T) {
	for name, md := range hostileMetadata() {
		t.Run(name, func(t *testing.T) {
			ctx := es.WithMetadata(context.Background(), md)
			store := memory.NewEventStore()
			repo := newRepo(t, store)
			o := NewOrder()
			o.ID = "o-1"
			require.NoError(t, o.Apply(OrderPlaced{OrderID: "o-1", Amount: 1}))
			err := repo.Save(ctx, o)
			require.ErrorIs(t, err, es.ErrInvalidArgument)
			assert.Contains(t, err.Error(), "events[0].Metadata")
			assert.Len(t, o.PendingEvents(), 1, "the event stays pending")
			all, err := store.ReadAll(context.Background(), 0, 10)
			require.NoError(t, err)
			assert.Empty(t, all)

			// Without the metadata, the command saves.
			again := NewOrder()
			again.ID = "o-1"
			require.NoError(t, again.Apply(OrderPlaced{OrderID: "o-1", Amount: 1}))
			require.NoError(t, repo.Save(context.Background(), again))
			assert.NotNil(t, es.MetadataFrom(ctx))
		})
	}
}

func TestCloneAndEqualOnCyclicMetadata(t *testing.T) {
	self := map[string]any{"k": "v"}
	self["self"] = self
	e, err := es.NewEnvelope(OrderPlaced{OrderID: "o"})
	require.NoError(t, err)
	e.Metadata = map[string]any{"m": self}
	c := e.Clone()
	c.Metadata["k2"] = "added"
	c.Metadata["m"].(map[string]any)["k"] = "changed"
	assert.NotContains(t, e.Metadata, "k2")
	assert.Equal(t, "v", self["k"], "the first level of the cycle is copied")
	assert.True(t, e.Equal(e), "the same envelope")
	assert.False(t, e.Equal(c), "metadata that cannot be encoded is compared as is")
}
