package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// notifies: SQLite has no way to signal another process; subscribers in this process are
// woken after this store's own commits.
func (sqliteDialect) notifies() bool { return false }

func (sqliteDialect) notify(context.Context, *bun.DB, string) error { return nil }

func (sqliteDialect) listen(ctx context.Context, _ *bun.DB, _ string, _ func()) error {
	<-ctx.Done()
	return ctx.Err()
}
