// Package pgsides holds the variants the PostgreSQL benchmarks measure: the store (store), raw SQL on pgx over the lean table that
// stores the same columns (limit) and over the 4-column table (minimal). The stores' benchmarks
// and the benchmarks that compare the store with other libraries measure the same variants.
package pgsides

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"

	"github.com/gofly/eventsourcing/internal/benchkit"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Sides returns the variants on the PostgreSQL database at url ("store", "limit", "minimal",
// measured in that order) and the store's database: it migrates the store's schema and creates
// the baselines' tables. The pools close when the benchmark ends.
func Sides(b *testing.B, url string) (benchkit.Sides, *bun.DB) {
	b.Helper()
	ctx := context.Background()
	db, err := bunstore.Open(ctx, url)
	must(b, err)
	b.Cleanup(func() { _ = db.Close() })
	must(b, bunstore.Prepare(ctx, db, true))
	cfg, err := pgxpool.ParseConfig(url)
	must(b, err)
	cfg.MaxConns = 20 // as the store's pool: a race of 16 runs on 16 connections on both
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	must(b, err)
	b.Cleanup(pool.Close)
	for _, stmt := range strings.Split(schema, ";\n") {
		_, err := pool.Exec(ctx, stmt)
		must(b, err)
	}
	events, err := bunstore.NewEventStore(db)
	must(b, err)
	snaps, err := bunstore.NewSnapshotStore(db)
	must(b, err)
	store, err := benchkit.NewStoreSide(events, snaps)
	must(b, err)
	return benchkit.Sides{Store: "postgres", Names: []string{"store", "limit", "minimal"}, Side: map[string]benchkit.Side{
		"store": store, "limit": newPGRaw(pool, true), "minimal": newPGRaw(pool, false),
	}}, db
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
