package memsides

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/gofly/eventsourcing/internal/benchkit"
)

// plainStore is the memory store's "minimal" variant: a plain map and slice doing the same JSON
// work as the others (events encoded on append, decoded and folded on reads) with the version
// check, and nothing more: no envelopes, ids, times, metadata, copies or validation. It is what
// the work itself costs, the figure other libraries' memory stores are compared with.
type plainStore struct {
	mu      sync.RWMutex
	all     [][]byte
	streams map[string][][]byte
}

func newPlainStore() *plainStore {
	return &plainStore{streams: map[string][][]byte{}}
}

// Fresh implements benchkit.Freshener.
func (s *plainStore) Fresh() benchkit.Side { return newPlainStore() }

func (s *plainStore) Append(_ context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	payloads := make([][]byte, len(events))
	for i := range events {
		p, err := json.Marshal(events[i])
		if err != nil {
			return err
		}
		payloads[i] = p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stream := s.streams[id]
	if int64(len(stream)) != expected {
		return benchkit.ErrConflict
	}
	s.streams[id] = append(stream, payloads...)
	s.all = append(s.all, payloads...)
	return nil
}

// foldPayloads decodes and folds payloads into st.
func foldPayloads(st *benchkit.State, payloads [][]byte) error {
	for _, p := range payloads {
		if err := st.Fold(p); err != nil {
			return err
		}
	}
	return nil
}

// after returns the stream's payloads after sequence seq; stored payloads are never changed, so
// they are read outside the lock.
func (s *plainStore) after(id string, seq int64) [][]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	stream := s.streams[id]
	return stream[min(seq, int64(len(stream))):]
}

func (s *plainStore) Load(_ context.Context, id string) (benchkit.State, error) {
	var st benchkit.State
	return st, foldPayloads(&st, s.after(id, 0))
}

func (s *plainStore) ReadPage(_ context.Context, after int64, limit int, st *benchkit.State) (int64, int, error) {
	s.mu.RLock()
	n := int64(len(s.all))
	page := s.all[min(after, n):min(after+int64(limit), n)]
	s.mu.RUnlock()
	if len(page) == 0 {
		return after, 0, nil
	}
	return after + int64(len(page)), len(page), foldPayloads(st, page)
}

// errNoSnapshots answers the snapshot calls: the minimal variant keeps no snapshots
// (benchkit.SnapshotLoad leaves it out).
var errNoSnapshots = errors.New("minimal: no snapshots")

// SaveSnapshot implements benchkit.Side: the minimal variant keeps no snapshots.
func (s *plainStore) SaveSnapshot(context.Context, string, int64, benchkit.State) error {
	return errNoSnapshots
}

// LoadSnapshotted implements benchkit.Side: the minimal variant keeps no snapshots.
func (s *plainStore) LoadSnapshotted(context.Context, string) (benchkit.State, error) {
	return benchkit.State{}, errNoSnapshots
}
