package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// Ping connects db, built on src by [NewDBFrom], as [OpenSource] does, for code that builds the
// pool first and connects later (an Fx constructor and its start hook). On failure the error's
// text is the cause alone, without the URL, and says what to fix where it can: "directory
// ./data does not exist" for a SQLite file, PostgreSQL's refusal ("authentication failed: FATAL:
// password authentication failed for user …") before the errors of other connection attempts,
// such as the TLS attempt of sslmode=prefer. It never holds a secret of src and unwraps to the
// driver's error.
func Ping(ctx context.Context, db *bun.DB, src Source) error {
	err := db.PingContext(ctx)
	if err == nil {
		return nil
	}
	if src.dialect != "" {
		if e := dialectFor(src.dialect, nil).explain(src, err); e != nil {
			return src.scrub(e)
		}
	}
	return src.scrub(err)
}

// reworded is a driver's error said in words a person can act on; it unwraps to the driver's
// error.
type reworded struct {
	msg string
	err error
}

func (e *reworded) Error() string { return e.msg }
func (e *reworded) Unwrap() error { return e.err }
