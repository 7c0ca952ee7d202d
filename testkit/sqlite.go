package testkit

import (
	"path/filepath"
	"testing"
)

// SQLiteFileURL returns the URL (sqlite:////abs/path) of a SQLite database file, not yet created,
// under t.TempDir(): every call gets its own file, removed with the test's temporary directory.
func SQLiteFileURL(t testing.TB) string {
	t.Helper()
	return "sqlite:///" + filepath.Join(t.TempDir(), "events.db")
}
