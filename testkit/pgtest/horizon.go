package pgtest

import (
	"context"
	"database/sql"
	"testing"
)

// HoldHorizon begins a transaction on db that takes a transaction id and stays open until the
// caller rolls it back (or the test ends): a writing transaction left open, which holds the
// read horizon of every database of the server. It returns the transaction and the process id
// of its session (what pg_stat_activity shows).
func HoldHorizon(t testing.TB, db *sql.DB) (*sql.Tx, int) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("pgtest: begin the transaction that holds the horizon: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	var pid int
	if _, err := tx.ExecContext(ctx, "SELECT pg_current_xact_id()"); err != nil {
		t.Fatalf("pgtest: take a transaction id: %v", err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatalf("pgtest: read the session's pid: %v", err)
	}
	return tx, pid
}
