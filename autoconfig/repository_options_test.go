package autoconfig_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/stores/memory"
	"github.com/gofly/eventsourcing/testkit"
)

// snapshotsApart is the start of the warning about snapshots outside the event store's database.
const snapshotsApart = "eventsourcing: pyfly.eventsourcing.store.url is set and pyfly.eventsourcing.snapshot.url is not, so the snapshot store follows "

// The warning appears exactly when the snapshot store lands in another database than the event
// store by the URL chain alone: store.url set, snapshot.url not, both on bun, the databases apart.
func TestSnapshotsApartWarning(t *testing.T) {
	dir := t.TempDir()
	a := "sqlite:///" + filepath.Join(dir, "a.db")
	b := "sqlite:///" + filepath.Join(dir, "b.db")
	cases := []struct {
		name                        string
		store, snapshot             string // providers
		storeURL, snapshotURL, data string
		want                        string // the rest of the message; "" for no warning
	}{
		{name: "default URL", store: "bun", snapshot: "bun", storeURL: a,
			want: "the default URL sqlite:///./app.db into another database than the event store: snapshots and events will not commit together; " +
				"set pyfly.eventsourcing.snapshot.url to the event store's URL to keep them in one transaction"},
		{name: "data URL", store: "bun", snapshot: "sqlalchemy", storeURL: a, data: b,
			want: "pyfly.data.relational.url into another database than the event store: snapshots and events will not commit together; " +
				"set pyfly.eventsourcing.snapshot.url to the event store's URL to keep them in one transaction"},
		{name: "same URLs", store: "bun", snapshot: "bun", storeURL: a, snapshotURL: a},
		{name: "both follow the data URL", store: "bun", snapshot: "bun", data: b},
		{name: "both follow the default", store: "bun", snapshot: "bun"},
		{name: "store URL is the data URL", store: "bun", snapshot: "bun", storeURL: b, data: b},
		{name: "store URL is the default", store: "bun", snapshot: "bun", storeURL: config.DefaultURL},
		{name: "snapshot URL chosen", store: "bun", snapshot: "bun", storeURL: a, snapshotURL: b},
		{name: "snapshots in memory", store: "bun", snapshot: "memory", storeURL: a, data: b},
		{name: "events in memory", store: "memory", snapshot: "bun", storeURL: a, data: b},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := enabledConfig()
			cfg.Store.Provider, cfg.Store.URL = c.store, c.storeURL
			cfg.Snapshot.Provider, cfg.Snapshot.URL = c.snapshot, c.snapshotURL
			cfg.DataRelationalURL = c.data
			logs := testkit.NewLogRecorder()
			_, err := autoconfig.NewSettings(cfg, logs.Logger())
			require.NoError(t, err)
			var warnings []testkit.LogRecord
			for _, r := range logs.Records() {
				if strings.HasPrefix(r.Message, snapshotsApart) {
					warnings = append(warnings, r)
				}
			}
			if c.want == "" {
				assert.Empty(t, warnings, "no warning:\n%s", logs)
				return
			}
			require.Len(t, warnings, 1, "one warning:\n%s", logs)
			assert.Equal(t, slog.LevelWarn, warnings[0].Level)
			assert.Equal(t, snapshotsApart+c.want, warnings[0].Message)
			assert.Equal(t, a, warnings[0].Attrs["events"])
		})
	}
}

// With snapshot.provider bun, the options carry the module's snapshot store at the configured
// interval. Without Fx, on a SQLite file.
func TestRepositoryOptionsCarrySnapshots(t *testing.T) {
	ctx := context.Background()
	url := testkit.SQLiteFileURL(t)
	cfg := enabledConfig()
	cfg.Store.Provider, cfg.Store.URL = "bun", url
	cfg.Snapshot.Provider, cfg.Snapshot.URL, cfg.Snapshot.Interval = "bun", url, 3
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	dbs, err := autoconfig.NewDatabases(s)
	require.NoError(t, err)
	store, err := autoconfig.NewEventStore(s, dbs, nil)
	require.NoError(t, err)
	snaps, err := autoconfig.NewSnapshotStore(s, dbs)
	require.NoError(t, err)
	opts, err := autoconfig.NewRepositoryOptions(s, snaps, nil)
	require.NoError(t, err)
	require.Len(t, opts, 2, "the logger and the snapshots")
	require.NoError(t, dbs.Start(ctx))
	t.Cleanup(func() { require.NoError(t, dbs.Close()) })

	repo, err := es.NewRepository(store, newAccount, opts...)
	require.NoError(t, err)
	acc := newAccount()
	acc.ID = "acc-1"
	for range 2 {
		require.NoError(t, acc.Apply(opened{Owner: "ann"}))
	}
	require.NoError(t, repo.Save(ctx, acc))
	_, ok, err := snaps.Load(ctx, "acc-1")
	require.NoError(t, err)
	require.False(t, ok, "version 2 crosses no multiple of 3")
	require.NoError(t, acc.Apply(opened{Owner: "bob"}))
	require.NoError(t, repo.Save(ctx, acc))
	snap, ok, err := snaps.Load(ctx, "acc-1")
	require.NoError(t, err)
	require.True(t, ok, "version 3 crosses 3")
	require.Equal(t, int64(3), snap.Sequence)

	_, err = autoconfig.NewRepositoryOptions(s, nil, nil)
	require.ErrorContains(t, err, "snapshot.provider is bun but the snapshot store is nil")
	_, err = autoconfig.NewRepositoryOptions(nil, nil, nil)
	require.EqualError(t, err, "eventsourcing: NewRepositoryOptions: settings are nil; build them with NewSettings")
}

// accountWithCache is an account whose state a JSON snapshot would lose (an unexported field).
type accountWithCache struct {
	es.AggregateRoot
	Owner string
	cache map[string]int
}

func newAccountWithCache() *accountWithCache {
	a := &accountWithCache{cache: map[string]int{}}
	es.When(a, func(e opened) { a.Owner, a.cache[e.Owner] = e.Owner, 1 })
	return a
}

// accountWithAny holds an interface field: JSON would bring a struct in it back as a map.
type accountWithAny struct {
	es.AggregateRoot
	Last any
}

func newAccountWithAny() *accountWithAny {
	a := &accountWithAny{}
	es.When(a, func(e opened) { a.Last = e })
	return a
}

// With the event store and the snapshot store in memory (the default providers) the options
// carry the module's snapshot store at the configured interval; an aggregate whose state JSON
// would lose (an unexported field, an interface field) gets no snapshots and a warning in the
// module's log, not an error. With events in a database and snapshots in memory they carry none.
// Before, memory carried none: YAML alone (snapshot.interval) took no snapshots.
func TestRepositoryOptionsCarryMemorySnapshots(t *testing.T) {
	ctx := context.Background()
	cfg := enabledConfig()
	cfg.Snapshot.Interval = 2
	logs := testkit.NewLogRecorder()
	s, err := autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	s.Logger = logs.Logger()
	store, err := autoconfig.NewEventStore(s, nil, nil)
	require.NoError(t, err)
	snaps, err := autoconfig.NewSnapshotStore(s, nil)
	require.NoError(t, err)
	opts, err := autoconfig.NewRepositoryOptions(s, snaps, nil)
	require.NoError(t, err)
	require.Len(t, opts, 2, "the logger and the snapshots")

	repo, err := es.NewRepository(store, newAccount, opts...)
	require.NoError(t, err)
	acc := newAccount()
	acc.ID = "acc-1"
	require.NoError(t, acc.Apply(opened{Owner: "ann"}))
	require.NoError(t, repo.Save(ctx, acc))
	_, ok, err := snaps.Load(ctx, "acc-1")
	require.NoError(t, err)
	require.False(t, ok, "version 1 crosses no multiple of 2")
	require.NoError(t, acc.Apply(opened{Owner: "bob"}))
	require.NoError(t, repo.Save(ctx, acc))
	snap, ok, err := snaps.Load(ctx, "acc-1")
	require.NoError(t, err)
	require.True(t, ok, "version 2 crosses 2")
	require.Equal(t, int64(2), snap.Sequence)

	lossy, err := es.NewRepository(store, newAccountWithCache, opts...)
	require.NoError(t, err, "no snapshots rather than an error")
	_, err = es.NewRepository(store, newAccountWithAny, opts...)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(logs.String(), "this repository takes no snapshots"), "in the module's log:\n%s", logs)
	require.Contains(t, logs.String(), "cache")
	require.Contains(t, logs.String(), "Last")
	c := newAccountWithCache()
	c.ID = "acc-2"
	require.NoError(t, c.Apply(opened{Owner: "ann"}))
	require.NoError(t, c.Apply(opened{Owner: "bob"}))
	require.NoError(t, lossy.Save(ctx, c))
	_, ok, err = snaps.Load(ctx, "acc-2")
	require.NoError(t, err)
	require.False(t, ok, "no snapshot of a lossy aggregate")
	// es.WithSnapshots after them is strict again.
	_, err = es.NewRepository(store, newAccountWithCache, append(slices.Clone(opts), es.WithSnapshots(snaps, 2))...)
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	_, err = es.NewRepository(store, newAccountWithAny, append(slices.Clone(opts), es.WithSnapshots(snaps, 2))...)
	require.NoError(t, err, "WithSnapshots takes interface fields as they are")

	// Without a snapshot store, or with events in a database: no snapshot option.
	opts, err = autoconfig.NewRepositoryOptions(s, nil, nil)
	require.NoError(t, err)
	require.Len(t, opts, 1)
	cfg.Store.Provider, cfg.Store.URL = "bun", testkit.SQLiteFileURL(t)
	s, err = autoconfig.NewSettings(cfg, discard)
	require.NoError(t, err)
	opts, err = autoconfig.NewRepositoryOptions(s, memory.NewSnapshotStore(), nil)
	require.NoError(t, err)
	require.Len(t, opts, 1, "the logger alone")
}
