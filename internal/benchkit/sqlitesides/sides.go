// Package sqlitesides holds the variants the SQLite benchmarks measure: the store (store), raw
// database/sql over the lean table that stores the same columns (limit) and over the 4-column
// table (minimal), each on a file of its own, so that a side's commits never pay for
// checkpointing the write-ahead log another side filled. The stores' benchmarks and the
// benchmarks that compare the store with other libraries measure the same variants.
package sqlitesides

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Sides returns the variants on new SQLite files in dir ("store", "limit", "minimal", measured in
// that order) and the store's database; the baselines use the store's own pool settings (WAL,
// BEGIN IMMEDIATE). The pools close when the benchmark ends.
func Sides(b *testing.B, dir string) (benchkit.Sides, *bun.DB) {
	b.Helper()
	store, limit, minimal := Open(b, dir, "store.db"), Open(b, dir, "limit.db"), Open(b, dir, "minimal.db")
	for _, db := range []*bun.DB{limit, minimal} {
		for _, stmt := range strings.Split(schema, ";\n") {
			_, err := db.DB.Exec(stmt)
			must(b, err)
		}
	}
	events, err := bunstore.NewEventStore(store)
	must(b, err)
	snaps, err := bunstore.NewSnapshotStore(store)
	must(b, err)
	side, err := benchkit.NewStoreSide(events, snaps)
	must(b, err)
	return benchkit.Sides{Store: "sqlite", Names: []string{"store", "limit", "minimal"}, Side: map[string]benchkit.Side{
		"store": side, "limit": newSQLiteRaw(limit.DB, true), "minimal": newSQLiteRaw(minimal.DB, false),
	}}, store
}

// Open opens the SQLite file name in dir as the store opens its files, with the store's schema;
// it closes when the benchmark ends.
func Open(b *testing.B, dir, name string) *bun.DB {
	b.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(ctx, "sqlite:///"+filepath.Join(dir, name))
	must(b, err)
	b.Cleanup(func() { _ = db.Close() })
	must(b, bunstore.Prepare(ctx, db, true))
	return db
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
