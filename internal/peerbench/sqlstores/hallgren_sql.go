package sqlstores

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hallgren/eventsourcing/core"
	hgsql "github.com/hallgren/eventsourcing/eventstore/sql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
	_ "modernc.org/sqlite"             // the database/sql driver "sqlite"

	"github.com/gofly/eventsourcing/internal/benchkit"
)

// HallgrenSQL is the peer-hallgren variant on a SQL database: hallgren/eventsourcing's SQL event
// store on PostgreSQL or SQLite, doing the same JSON work as the other variants.
type HallgrenSQL struct {
	db    *sql.DB
	store hallgrenStore

	// The catch-up read in progress: an iterator of the store's global reader (All reads to the
	// end of the stream, so pages continue it instead of starting a query each) and the last
	// position it returned.
	it   core.Iterator
	last int64
}

// hallgrenStore is what the peer's PostgreSQL and SQLite stores have in common.
type hallgrenStore interface {
	Save(events []core.Event) error
	Get(ctx context.Context, id string, aggregateType string, afterVersion core.Version) (core.Iterator, error)
	All(start core.Version) core.Fetcher
}

// NewHallgrenPostgres returns the variant on the PostgreSQL database at url, whose schema (the
// table events) it creates. Close releases it.
func NewHallgrenPostgres(url string) (*HallgrenSQL, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20) // as the other variants' pools
	db.SetMaxIdleConns(20)
	store, err := hgsql.NewPostgres(db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &HallgrenSQL{db: db, store: store}, nil
}

// NewHallgrenSQLite returns the variant on a SQLite file at path, with the settings our store
// gives its files (write-ahead log, synchronous=NORMAL, a busy timeout), whose schema it creates.
// Close releases it.
func NewHallgrenSQLite(path string) (*HallgrenSQL, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4) // as our store's pool on a file
	db.SetMaxIdleConns(4)
	store, err := hgsql.NewSQLiteSingelWriter(db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &HallgrenSQL{db: db, store: store}, nil
}

// Close ends a catch-up read in progress and closes the pool.
func (h *HallgrenSQL) Close() error {
	h.endRead()
	return h.db.Close()
}

// Append implements benchkit.Side: the events as aggregate.Save hands them to the store.
func (h *HallgrenSQL) Append(_ context.Context, id string, expected int64, events []benchkit.OrderPlaced) error {
	out := make([]core.Event, len(events))
	for i := range events {
		data, err := json.Marshal(events[i])
		if err != nil {
			return err
		}
		metadata, err := json.Marshal(benchkit.Metadata())
		if err != nil {
			return err
		}
		out[i] = core.Event{AggregateID: id, Version: core.Version(expected + int64(i) + 1), AggregateType: benchkit.AggregateType,
			Timestamp: time.Now(), Reason: "OrderPlaced", Data: data, Metadata: metadata}
	}
	err := h.store.Save(out)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrConcurrency):
		return fmt.Errorf("%w: %w", benchkit.ErrConflict, err)
	case errors.As(err, &pgErr) && pgErr.Code == "23505", strings.Contains(err.Error(), "UNIQUE constraint failed"):
		// two appends of one version: the later loses
		return fmt.Errorf("%w: %w", benchkit.ErrConflict, err)
	}
	return err
}

// fold decodes and folds up to limit events of it into st (all when limit is 0) and returns
// the global version of the last and how many it folded.
func fold(it core.Iterator, limit int, st *benchkit.State) (last int64, n int, err error) {
	for (limit == 0 || n < limit) && it.Next() {
		e, err := it.Value()
		if err != nil {
			return last, n, err
		}
		if err := st.Fold(e.Data); err != nil {
			return last, n, err
		}
		last, n = int64(e.GlobalVersion), n+1
	}
	return last, n, nil
}

// Load implements benchkit.Side.
func (h *HallgrenSQL) Load(ctx context.Context, id string) (benchkit.State, error) {
	var st benchkit.State
	it, err := h.store.Get(ctx, id, benchkit.AggregateType, 0)
	if err != nil {
		return st, err
	}
	defer it.Close()
	_, _, err = fold(it, 0, &st)
	return st, err
}

// ReadPage implements benchkit.Side with the store's global reader (All), continuing the read
// of the page before when it ended at after.
func (h *HallgrenSQL) ReadPage(_ context.Context, after int64, limit int, st *benchkit.State) (int64, int, error) {
	if h.it == nil || h.last != after {
		h.endRead()
		it, err := h.store.All(core.Version(after + 1))()
		if err != nil {
			return after, 0, err
		}
		h.it, h.last = it, after
	}
	last, n, err := fold(h.it, limit, st)
	if err != nil || n == 0 {
		h.endRead()
		return after, 0, err
	}
	h.last = last
	return last, n, nil
}

// endRead closes the catch-up read in progress, if any.
func (h *HallgrenSQL) endRead() {
	if h.it != nil {
		h.it.Close()
		h.it = nil
	}
}

// errNoSnapshots answers the snapshot calls: snapshots are not compared (the peer's snapshots
// work on its aggregate type, not on a store of states).
var errNoSnapshots = errors.New("peer-hallgren: snapshots are not compared")

// SaveSnapshot implements benchkit.Side: snapshots are not compared.
func (h *HallgrenSQL) SaveSnapshot(context.Context, string, int64, benchkit.State) error {
	return errNoSnapshots
}

// LoadSnapshotted implements benchkit.Side: snapshots are not compared.
func (h *HallgrenSQL) LoadSnapshotted(context.Context, string) (benchkit.State, error) {
	return benchkit.State{}, errNoSnapshots
}
