package benchkit

import (
	"context"
	"encoding/json"
	"errors"
)

// SQLReads are the reads and snapshots of a raw SQL baseline, written once for every driver:
// [Side]'s Load, ReadPage, SaveSnapshot and LoadSnapshotted over the statements of SQL, run
// through the driver's functions. A baseline embeds it and adds its Append.
type SQLReads struct {
	// Lean is set for the lean table (limit), unset for the minimal one, which keeps no snapshots.
	Lean bool
	SQL  SQLTexts
	// Query runs q and returns its rows and what closes them.
	Query func(ctx context.Context, q string, args ...any) (RowScanner, func(), error)
	// QueryRow runs q and scans its one row into dest.
	QueryRow func(ctx context.Context, q string, dest []any, args ...any) error
	// Exec runs q.
	Exec func(ctx context.Context, q string, args ...any) error
	// FoldLean folds rows of the lean table's columns into st; it returns the last position and
	// the count.
	FoldLean func(rows RowScanner, st *State) (int64, int, error)
}

// SQLTexts are the statements of [SQLReads], in the driver's dialect.
type SQLTexts struct {
	MinimalLoad     string // (aggregate id) -> payload
	MinimalReadPage string // (after, limit) -> position, payload
	LimitLoad       string // (aggregate id, after sequence) -> the lean columns
	LimitReadPage   string // (after, limit) -> the lean columns
	LimitSave       string // (aggregate id, sequence, payload): upsert a snapshot
	LimitSnapshot   string // (aggregate id) -> sequence, payload
}

// errNoSnapshots answers the snapshot calls of the minimal table.
var errNoSnapshots = errors.New("the minimal table has no snapshots")

// Load implements [Side].
func (r *SQLReads) Load(ctx context.Context, id string) (State, error) {
	var st State
	if !r.Lean {
		rows, closeRows, err := r.Query(ctx, r.SQL.MinimalLoad, id)
		if err != nil {
			return st, err
		}
		defer closeRows()
		return st, FoldPayloadRows(rows, &st)
	}
	_, _, err := r.foldLean(ctx, &st, r.SQL.LimitLoad, id, int64(0))
	return st, err
}

// ReadPage implements [Side].
func (r *SQLReads) ReadPage(ctx context.Context, after int64, limit int, st *State) (int64, int, error) {
	if !r.Lean {
		rows, closeRows, err := r.Query(ctx, r.SQL.MinimalReadPage, after, limit)
		if err != nil {
			return after, 0, err
		}
		defer closeRows()
		return FoldPositionRows(rows, after, st)
	}
	last, n, err := r.foldLean(ctx, st, r.SQL.LimitReadPage, after, limit)
	if n == 0 {
		last = after
	}
	return last, n, err
}

// SaveSnapshot implements [Side].
func (r *SQLReads) SaveSnapshot(ctx context.Context, id string, seq int64, st State) error {
	if !r.Lean {
		return errNoSnapshots
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return r.Exec(ctx, r.SQL.LimitSave, id, seq, string(payload))
}

// LoadSnapshotted implements [Side].
func (r *SQLReads) LoadSnapshotted(ctx context.Context, id string) (State, error) {
	var st State
	if !r.Lean {
		return st, errNoSnapshots
	}
	var seq int64
	var payload []byte
	if err := r.QueryRow(ctx, r.SQL.LimitSnapshot, []any{&seq, &payload}, id); err != nil {
		return st, err
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		return st, err
	}
	_, _, err := r.foldLean(ctx, &st, r.SQL.LimitLoad, id, seq)
	return st, err
}

// foldLean runs q and folds its rows of the lean columns into st; it returns the last position
// and the count.
func (r *SQLReads) foldLean(ctx context.Context, st *State, q string, args ...any) (int64, int, error) {
	rows, closeRows, err := r.Query(ctx, q, args...)
	if err != nil {
		return 0, 0, err
	}
	defer closeRows()
	return r.FoldLean(rows, st)
}
