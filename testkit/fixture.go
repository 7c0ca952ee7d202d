package testkit

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// Scenario is a Given/When/Then test of one aggregate: given past events, when a command runs,
// then these new events, or this error.
type Scenario[A es.Aggregate] struct {
	t      testing.TB
	agg    A
	cmdErr error
	ran    bool
}

// Given builds an aggregate with factory and replays the past events into it, each through an
// envelope and its JSON payload, as a load from a store would.
func Given[A es.Aggregate](t testing.TB, factory func() A, past ...any) *Scenario[A] {
	t.Helper()
	agg := es.Init(factory())
	root := storekit.RootOf(agg)
	require.NotNil(t, root, "the factory returned nil")
	if root.ID == "" {
		root.ID = "given-aggregate"
	}
	for i, ev := range past {
		env, err := es.NewEnvelope(ev)
		require.NoError(t, err, "given event %d (%T)", i, ev)
		env.AggregateID = root.ID
		env.Sequence = root.Version + 1
		require.NoError(t, root.Replay(env), "given event %d (%T)", i, ev)
	}
	return &Scenario[A]{t: t, agg: agg}
}

// When runs the command against the aggregate.
func (s *Scenario[A]) When(command func(A) error) *Scenario[A] {
	s.t.Helper()
	s.cmdErr = command(s.agg)
	s.ran = true
	return s
}

// Then asserts the command succeeded and applied exactly these events, compared as JSON of the
// same event type, in order.
func (s *Scenario[A]) Then(events ...any) *Scenario[A] {
	s.t.Helper()
	require.True(s.t, s.ran, "call When before Then")
	require.NoError(s.t, s.cmdErr, "the command failed")
	got := storekit.RootOf(s.agg).PendingEvents()
	require.Len(s.t, got, len(events), "new events: %v", got)
	for i := range events {
		assert.Equal(s.t, es.EventTypeOf(events[i]), es.EventTypeOf(got[i]), "event %d type", i)
		want, err := json.Marshal(events[i])
		require.NoError(s.t, err)
		have, err := json.Marshal(got[i])
		require.NoError(s.t, err)
		assert.JSONEq(s.t, string(want), string(have), "event %d (%s)", i, es.EventTypeOf(events[i]))
	}
	return s
}

// ThenError asserts the command failed with an error matching target ([errors.Is]) and applied
// nothing.
func (s *Scenario[A]) ThenError(target error) *Scenario[A] {
	s.t.Helper()
	require.True(s.t, s.ran, "call When before ThenError")
	require.Error(s.t, s.cmdErr, "the command succeeded, want %v", target)
	assert.True(s.t, errors.Is(s.cmdErr, target), "error %v does not match %v", s.cmdErr, target)
	assert.Empty(s.t, storekit.RootOf(s.agg).PendingEvents(), "a failed command applies nothing")
	return s
}

// ThenState hands the aggregate to check for assertions on its state.
func (s *Scenario[A]) ThenState(check func(A)) *Scenario[A] {
	s.t.Helper()
	check(s.agg)
	return s
}

// Aggregate returns the aggregate under test.
func (s *Scenario[A]) Aggregate() A { return s.agg }
