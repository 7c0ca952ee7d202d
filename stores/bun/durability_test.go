package bunstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// Prepare warns when the database's settings let a crash lose acknowledged commits, which would
// rewind global positions. Before the fix nothing said so, and a reader learnt of it only when
// events went missing.
func TestPrepareWarnsAboutLostCommits(t *testing.T) {
	ctx := context.Background()
	u := backends()[0].url(t)
	admin := openDB(t, u)
	name := strings.TrimPrefix(must(url.Parse(u)).Path, "/")
	_, err := admin.ExecContext(ctx, `ALTER DATABASE "`+name+`" SET synchronous_commit = off`)
	require.NoError(t, err)

	db, err := bunstore.Open(ctx, u)
	require.NoError(t, err)
	defer db.Close()
	var logs bytes.Buffer
	require.NoError(t, bunstore.Prepare(ctx, db, true, bunstore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "synchronous_commit is off")
	assert.Contains(t, logs.String(), "global positions")

	logs.Reset()
	sq := openDB(t, backends()[1].url(t))
	require.NoError(t, bunstore.Prepare(ctx, sq, true, bunstore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
	assert.Empty(t, logs.String(), "a SQLite file in WAL mode keeps what it acknowledged")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
