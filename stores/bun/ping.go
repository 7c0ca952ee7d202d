package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// Ping connects db, built on src by [NewDBFrom], as [OpenSource] does, for code that builds the
// pool first and connects later (an Fx constructor and its start hook). On failure the error's
// text is the cause alone, without the URL; it never holds a secret of src and unwraps to the
// driver's error.
func Ping(ctx context.Context, db *bun.DB, src Source) error {
	return src.scrub(db.PingContext(ctx))
}
