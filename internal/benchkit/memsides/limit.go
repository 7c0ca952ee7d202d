package memsides

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/benchkit"
	"github.com/gofly/eventsourcing/internal/eventid"
)

// limitStore is the least an in-memory event store can do with the same data and guarantees: the
// same JSON work (events encoded on append, decoded on reads), envelopes with new time-ordered
// ids, the version check, event ids unique, dense global positions, copies in and out so no
// caller shares the store's bytes or maps: a slice of envelopes and a map of streams under a
// mutex.
type limitStore struct {
	mu      sync.RWMutex
	all     []es.Envelope
	streams map[string][]int // aggregate id -> indexes into all
	ids     map[string]struct{}
	snaps   map[string]limitSnapshot
}

type limitSnapshot struct {
	seq     int64
	payload []byte
}

func newLimitStore() *limitStore {
	return &limitStore{streams: map[string][]int{}, ids: map[string]struct{}{}, snaps: map[string]limitSnapshot{}}
}

func (s *limitStore) Append(_ context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	envs := make([]es.Envelope, len(events))
	for i := range events {
		payload, err := json.Marshal(events[i])
		if err != nil {
			return err
		}
		now := time.Now()
		envs[i] = es.Envelope{EventID: eventid.At(now), EventType: "OrderPlaced", Payload: payload,
			Metadata: benchkit.Metadata(), OccurredAt: now.UTC().Truncate(time.Microsecond), Version: 1}
	}
	// What the store keeps is its own: copies of the caller's bytes and maps.
	for i := range envs {
		e := &envs[i]
		e.Payload = append([]byte(nil), e.Payload...)
		e.Metadata = maps.Clone(e.Metadata)
		e.AggregateID, e.AggregateType, e.Sequence = id, benchkit.AggregateType, expected+int64(i)+1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stream := s.streams[id]
	if int64(len(stream)) != expected {
		return benchkit.ErrConflict
	}
	for i := range envs {
		if _, dup := s.ids[envs[i].EventID]; dup {
			return fmt.Errorf("event id %s taken", envs[i].EventID)
		}
	}
	for i := range envs {
		envs[i].GlobalPosition = int64(len(s.all)) + 1
		s.ids[envs[i].EventID] = struct{}{}
		stream = append(stream, len(s.all))
		s.all = append(s.all, envs[i])
	}
	s.streams[id] = stream
	return nil
}

// copyOut returns a copy of the stored envelope at index i.
func (s *limitStore) copyOut(i int) es.Envelope {
	e := s.all[i]
	e.Payload = append([]byte(nil), e.Payload...)
	e.Metadata = maps.Clone(e.Metadata)
	return e
}

func (s *limitStore) events(id string, after int64) []es.Envelope {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.streams[id]
	if after >= int64(len(idx)) {
		return nil
	}
	idx = idx[after:]
	out := make([]es.Envelope, len(idx))
	for i, j := range idx {
		out[i] = s.copyOut(j)
	}
	return out
}

func fold(st *benchkit.State, envs []es.Envelope) error {
	for i := range envs {
		if err := st.Fold(envs[i].Payload); err != nil {
			return err
		}
	}
	return nil
}

func (s *limitStore) Load(_ context.Context, id string) (benchkit.State, error) {
	var st benchkit.State
	return st, fold(&st, s.events(id, 0))
}

func (s *limitStore) ReadPage(_ context.Context, after int64, limit int, st *benchkit.State) (int64, int, error) {
	s.mu.RLock()
	if after > int64(len(s.all)) {
		s.mu.RUnlock()
		return after, 0, fmt.Errorf("cursor %d not on the stream", after)
	}
	n := min(int64(limit), int64(len(s.all))-after)
	page := make([]es.Envelope, n)
	for i := range page {
		page[i] = s.copyOut(int(after) + i)
	}
	s.mu.RUnlock()
	if len(page) == 0 {
		return after, 0, nil
	}
	return page[len(page)-1].GlobalPosition, len(page), fold(st, page)
}

func (s *limitStore) SaveSnapshot(_ context.Context, id string, seq int64, st benchkit.State) error {
	payload, err := json.Marshal(st)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.snaps[id]; !ok || old.seq < seq {
		s.snaps[id] = limitSnapshot{seq: seq, payload: payload}
	}
	return nil
}

func (s *limitStore) LoadSnapshotted(_ context.Context, id string) (benchkit.State, error) {
	var st benchkit.State
	s.mu.RLock()
	snap, ok := s.snaps[id]
	s.mu.RUnlock()
	if !ok {
		return st, fmt.Errorf("no snapshot of %s", id)
	}
	if err := json.Unmarshal(append([]byte(nil), snap.payload...), &st); err != nil {
		return st, err
	}
	return st, fold(&st, s.events(id, snap.seq))
}
