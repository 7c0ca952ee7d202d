package bunstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
	"github.com/gofly/eventsourcing/testkit/pgtest"
)

// A SQLite file in a directory that does not exist: the error names the directory as the URL
// wrote it, not SQLite's "unable to open database file (14)"; and a file where the directory
// should be is named too.
func TestOpenNamesTheMissingSQLiteDirectory(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	ctx := context.Background()
	_, err := bunstore.Open(ctx, "sqlite:///./nodir/sub/app.db")
	require.Error(t, err)
	abs, _ := filepath.Abs(filepath.Join("nodir", "sub"))
	assert.Contains(t, err.Error(), "bunstore: open sqlite:///./nodir/sub/app.db: cannot reach the database: directory ./nodir/sub ("+abs+") does not exist")
	assert.NotContains(t, err.Error(), "(14)")
	_, statErr := os.Stat("nodir")
	assert.True(t, os.IsNotExist(statErr), "nothing was created")

	require.NoError(t, os.WriteFile("plain", nil, 0o644))
	_, err = bunstore.Open(ctx, "sqlite:///plain/app.db")
	require.ErrorContains(t, err, ": cannot reach the database: plain ("+filepath.Join(cwd, "plain")+") is not a directory; change the URL")

	// The same through NewDB and Ping, as the module opens.
	db, err := bunstore.NewDB("sqlite:///" + filepath.ToSlash(abs) + "/app.db")
	require.NoError(t, err, "NewDB does no I/O")
	src, err := bunstore.Parse("sqlite:///" + filepath.ToSlash(abs) + "/app.db")
	require.NoError(t, err)
	err = bunstore.Ping(ctx, db, src)
	require.EqualError(t, err, "directory "+filepath.ToSlash(abs)+" does not exist; create it, or change the URL")
	require.NoError(t, db.Close())
}

// pgHBA is a pg_hba.conf that trusts the superuser (the test kit's) and asks every other role for
// its password.
const pgHBA = `local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
`

// A wrong password: the error says authentication failed, first, and does not carry the TLS
// attempt of sslmode=prefer ("server refused TLS connection") the server has no TLS for.
func TestOpenReportsAWrongPasswordFirst(t *testing.T) {
	dir, err := os.MkdirTemp("", "es-hba-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755)) // the server may run as another user
	hba := filepath.Join(dir, "pg_hba.conf")
	require.NoError(t, os.WriteFile(hba, []byte(pgHBA), 0o644))
	srv := pgtest.NewServer(t, "hba_file="+hba)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := openDB(t, srv.URL())
	_, err = admin.ExecContext(ctx, "CREATE ROLE app LOGIN PASSWORD 'R1ght-pw'")
	require.NoError(t, err)

	base := strings.TrimPrefix(strings.SplitN(srv.URL(), "?", 2)[0], "postgres://postgres@")
	good, err := bunstore.Open(ctx, "postgres://app:R1ght-pw@"+base)
	require.NoError(t, err, "the right password works over sslmode=prefer")
	require.NoError(t, good.Close())

	_, err = bunstore.Open(ctx, "postgres://app:Wr0ng-pw@"+base)
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, ": cannot reach the database: authentication failed: FATAL: password authentication failed for user \"app\" (SQLSTATE 28P01); check the user name and password of the URL")
	assert.NotContains(t, msg, "TLS")
	assert.NotContains(t, msg, "Wr0ng-pw")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, "the driver's error stays in the chain")
	assert.Equal(t, "28P01", pgErr.Code)
	var connErr *pgconn.ConnectError
	require.ErrorAs(t, err, &connErr)
	assert.Contains(t, connErr.Error(), "server refused TLS connection", "the driver's own text, which the message leaves out")

	// Another refusal of the server comes first too.
	_, err = bunstore.Open(ctx, "postgres://app:R1ght-pw@"+strings.Replace(base, "/postgres", "/nodb", 1))
	require.ErrorContains(t, err, `: cannot reach the database: the server refused the connection: FATAL: database "nodb" does not exist (SQLSTATE 3D000)`)
}
