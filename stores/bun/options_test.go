package bunstore_test

import (
	"log/slog"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// TestOptionsFitTheirStore: each constructor takes only the options its store honours, so
// NewSnapshotStore(db, WithUpcasters(...)) does not compile; WithLogger fits both.
func TestOptionsFitTheirStore(t *testing.T) {
	eventOpt := reflect.TypeFor[bunstore.EventStoreOption]()
	snapOpt := reflect.TypeFor[bunstore.SnapshotStoreOption]()
	assert.Equal(t, eventOpt, reflect.TypeOf(bunstore.NewEventStore).In(1).Elem())
	assert.Equal(t, snapOpt, reflect.TypeOf(bunstore.NewSnapshotStore).In(1).Elem())

	upcasters := reflect.TypeOf(bunstore.WithUpcasters())
	assert.True(t, upcasters.Implements(eventOpt))
	assert.False(t, upcasters.Implements(snapOpt), "the snapshot store has no upcasters")
	logger := reflect.TypeOf(bunstore.WithLogger(slog.Default()))
	assert.True(t, logger.Implements(eventOpt))
	assert.True(t, logger.Implements(snapOpt))
}

func TestNilOptionsAreRefused(t *testing.T) {
	db := openDB(t, "sqlite::memory:")
	_, err := bunstore.NewEventStore(db, bunstore.WithLogger(slog.Default()), nil)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "option 1 is nil")
	_, err = bunstore.NewEventStore(db, bunstore.WithUpcasters(nil))
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "upcaster 0 is nil")
	_, err = bunstore.NewSnapshotStore(db, nil)
	require.ErrorIs(t, err, es.ErrInvalidArgument)

	// A nil logger is the default: discard.
	s, err := bunstore.NewEventStore(db, bunstore.WithLogger(nil))
	require.NoError(t, err)
	require.NoError(t, s.Append(t.Context(), "a", "T", 0, envs(t, 1)))
	_, err = bunstore.NewSnapshotStore(db, bunstore.WithLogger(nil))
	require.NoError(t, err)
}
