package projection

import (
	"context"
	"sync"
)

// privateCheckpoints is the checkpoint store a runner keeps for itself when it is given none: a
// map in memory, without transactions. stores/memory has the full store, which joins units of
// work.
type privateCheckpoints struct {
	mu     sync.Mutex
	points map[string]int64
}

func newPrivateCheckpoints() *privateCheckpoints {
	return &privateCheckpoints{points: map[string]int64{}}
}

func (s *privateCheckpoints) Load(ctx context.Context, name string, initial, _ int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.points[name]
	if !ok {
		p = initial
		s.points[name] = p
	}
	return p, nil
}

func (s *privateCheckpoints) Position(ctx context.Context, name string) (int64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.points[name]
	return p, ok, nil
}

func (s *privateCheckpoints) Move(ctx context.Context, name string, expected, next, _ int64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.points[name]; !ok || p != expected {
		return false, nil
	}
	s.points[name] = next
	return true, nil
}

func (s *privateCheckpoints) Reset(ctx context.Context, name string, position int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.points[name] = position
	return nil
}
