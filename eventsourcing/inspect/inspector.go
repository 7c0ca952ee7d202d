package inspect

import "context"

// Inspector reads what operators and health checks need from a set of stores. Every method
// reads the stores as they are now (no cache), so two calls may disagree while writers run.
type Inspector interface {
	// Ping checks that the stores can be reached.
	Ping(ctx context.Context) error
	// CheckSchema checks that the stores' schema is current: every migration applied, and (on
	// PostgreSQL) no stored position ahead of the server's transaction ids. Stores without a
	// schema return nil.
	CheckSchema(ctx context.Context) error
	// Projections lists every projection with a checkpoint or a dead letter, by name.
	Projections(ctx context.Context) ([]Projection, error)
	// Outboxes lists every outbox with a record (pending, dead or delivered), by name.
	Outboxes(ctx context.Context) ([]Outbox, error)
	// Horizon reports the read horizon. Stores whose readers see every committed event at once
	// return an error matching errors.ErrUnsupported.
	Horizon(ctx context.Context) (Horizon, error)
}
