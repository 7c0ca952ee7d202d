package bunstore

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrationFiles: every dialect has the same migrations, numbered 0001, 0002, … in increasing
// order, each a transactional up file (NNNN_name.tx.up.sql) that bun/migrate discovers. Numbers
// may have gaps: a branch can take a number while another branch takes the ones below it.
func TestMigrationFiles(t *testing.T) {
	fileName := regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.tx\.up\.sql$`)
	var want []string
	for _, d := range []Dialect{DialectPostgres, DialectSQLite} {
		entries, err := fs.ReadDir(migrationFS, "migrations/"+string(d))
		require.NoError(t, err)
		var files []string
		for _, e := range entries {
			assert.Regexp(t, fileName, e.Name(), "%s/%s", d, e.Name())
			files = append(files, e.Name())
		}
		if want == nil {
			want = files
		}
		assert.Equal(t, want, files, "%s has the same migrations as %s", d, DialectPostgres)

		ms, err := dialectMigrations(dialectFor(d, nil))
		require.NoError(t, err)
		prev := 0
		for i, m := range ms.Sorted() {
			assert.Equal(t, fileName.FindStringSubmatch(files[i])[1], m.Name)
			assert.Greater(t, atoi(t, m.Name), prev, "migrations are numbered in increasing order, each number once")
			prev = atoi(t, m.Name)
			assert.NotNil(t, m.Up, m.Name)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}
