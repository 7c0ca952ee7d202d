package bunstore

import (
	"context"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
)

// Horizon implements inspect.Inspector: on PostgreSQL, the newest position, the newest readable
// one, how many events wait beyond the horizon, and the oldest open transaction holding a
// transaction id in any database of the server (the one holding the horizon: pid, application
// name, state, age), nil when there is none. Seeing other roles' sessions takes
// pg_read_all_stats. On SQLite it returns an error matching errors.ErrUnsupported.
func (a *Admin) Horizon(ctx context.Context) (inspect.Horizon, error) {
	h, err := a.edl.horizon(ctx, a.events.db.DB)
	if err != nil {
		return inspect.Horizon{}, err
	}
	return inspect.Horizon{NewestPosition: h.newest, NewestReadable: h.readable, Waiting: h.waiting, Holder: h.holder,
		ReadAt: time.Now().UTC()}, nil
}
