package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
)

func TestOutcomeOf(t *testing.T) {
	cases := map[error]es.Outcome{
		nil:                                    es.OutcomeOK,
		&es.ConcurrencyError{AggregateID: "a"}: es.OutcomeConflict,
		fmt.Errorf("load: %w", es.ErrAggregateNotFound):              es.OutcomeNotFound,
		fmt.Errorf("x: %w", es.ErrInvalidArgument):                   es.OutcomeInvalid,
		fmt.Errorf("x: %w", es.ErrOutcomeUnknown):                    es.OutcomeUnknown,
		&es.DecodeError{Err: errors.New("bad")}:                      es.OutcomeDecode,
		fmt.Errorf("x: %w", context.Canceled):                        es.OutcomeCanceled,
		fmt.Errorf("x: %w", context.DeadlineExceeded):                es.OutcomeCanceled,
		errors.New("connection refused"):                             es.OutcomeError,
		fmt.Errorf("%w: %w", es.ErrOutcomeUnknown, context.Canceled): es.OutcomeUnknown,
	}
	for err, want := range cases {
		assert.Equal(t, want, es.OutcomeOf(err), "%v", err)
	}
	assert.Equal(t, es.OutcomeSuperseded, es.BatchResult{Superseded: true}.Outcome())
	assert.Equal(t, es.OutcomeError, es.BatchResult{Err: errors.New("handler")}.Outcome())
	assert.Equal(t, es.OutcomeOK, es.BatchResult{Applied: 3}.Outcome())
}

// unwrapper is a decorator that offers Unwrap.
type unwrapper struct {
	es.EventStore
	inner es.EventStore
}

func (u unwrapper) Unwrap() es.EventStore { return u.inner }

func TestSystemOf(t *testing.T) {
	m := memory.NewEventStore()
	assert.Equal(t, es.SystemMemory, es.SystemOf(m))
	assert.Equal(t, es.SystemMemory, es.SystemOf(unwrapper{inner: m}), "through Unwrap")
	assert.Empty(t, es.SystemOf(unwrapper{}), "a decorator that unwraps to nil")
	assert.Empty(t, es.SystemOf(nil))
}

func TestWithObserverNil(t *testing.T) {
	_, err := es.NewRepository(memory.NewEventStore(), NewOrder, es.WithObserver(nil))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
}
