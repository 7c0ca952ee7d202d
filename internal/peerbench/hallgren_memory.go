package peerbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hallgren/eventsourcing/core"
	hgmemory "github.com/hallgren/eventsourcing/eventstore/memory"

	"github.com/gofly/eventsourcing/internal/benchkit"
)

// HallgrenMemory is the peer-hallgren variant on memory: hallgren/eventsourcing's memory event
// store, doing the same JSON work as the other variants.
type HallgrenMemory struct {
	store *hgmemory.Memory
}

// NewHallgrenMemory returns the variant over a new, empty store.
func NewHallgrenMemory() *HallgrenMemory { return &HallgrenMemory{store: hgmemory.Create()} }

// Fresh implements benchkit.Freshener.
func (h *HallgrenMemory) Fresh() benchkit.Side { return NewHallgrenMemory() }

// Append implements benchkit.Side: the events as aggregate.Save hands them to the store.
func (h *HallgrenMemory) Append(_ context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	out := make([]core.Event, len(events))
	for i := range events {
		data, err := json.Marshal(events[i])
		if err != nil {
			return err
		}
		metadata, err := json.Marshal(benchkit.Metadata())
		if err != nil {
			return err
		}
		out[i] = core.Event{AggregateID: id, Version: core.Version(expected + int64(i) + 1), AggregateType: benchkit.AggregateType,
			Timestamp: time.Now(), Reason: "OrderPlaced", Data: data, Metadata: metadata}
	}
	if err := h.store.Save(out); err != nil {
		if errors.Is(err, core.ErrConcurrency) {
			return fmt.Errorf("%w: %w", benchkit.ErrConflict, err)
		}
		return err
	}
	return nil
}

// fold decodes and folds every event of it into st and returns the global version of the last.
func fold(it core.Iterator, st *benchkit.State) (last int64, n int, err error) {
	defer it.Close()
	for it.Next() {
		e, err := it.Value()
		if err != nil {
			return last, n, err
		}
		if err := st.Fold(e.Data); err != nil {
			return last, n, err
		}
		last, n = int64(e.GlobalVersion), n+1
	}
	return last, n, nil
}

// Load implements benchkit.Side.
func (h *HallgrenMemory) Load(ctx context.Context, id string) (benchkit.State, error) {
	var st benchkit.State
	it, err := h.store.Get(ctx, id, benchkit.AggregateType, 0)
	if err != nil {
		return st, err
	}
	_, _, err = fold(it, &st)
	return st, err
}

// ReadPage implements benchkit.Side with the store's global reader (All).
func (h *HallgrenMemory) ReadPage(_ context.Context, after int64, limit int, st *benchkit.State) (int64, int, error) {
	it, err := h.store.All(core.Version(after+1), uint64(limit))()
	if err != nil {
		return after, 0, err
	}
	last, n, err := fold(it, st)
	if n == 0 {
		return after, 0, err
	}
	return last, n, err
}

// errNoSnapshots answers the snapshot calls: snapshots are not compared (the peer's snapshots
// work on its aggregate type, not on a store of states).
var errNoSnapshots = errors.New("peer-hallgren: snapshots are not compared")

// SaveSnapshot implements benchkit.Side: snapshots are not compared.
func (h *HallgrenMemory) SaveSnapshot(context.Context, string, int64, benchkit.State) error {
	return errNoSnapshots
}

// LoadSnapshotted implements benchkit.Side: snapshots are not compared.
func (h *HallgrenMemory) LoadSnapshotted(context.Context, string) (benchkit.State, error) {
	return benchkit.State{}, errNoSnapshots
}
