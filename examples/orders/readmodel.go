package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
	"go.uber.org/fx"

	"github.com/gofly/eventsourcing/autoconfig"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// OrderRow is one row of the "orders by status" read model, in the event store's database.
type OrderRow struct {
	bun.BaseModel `bun:"table:orders_by_status"`

	OrderID    string `bun:"order_id,pk"`
	Customer   string `bun:"customer,notnull"`
	Status     string `bun:"status,notnull"`
	Lines      int    `bun:"lines,notnull"`
	TotalCents int    `bun:"total_cents,notnull"`
}

// OrdersByStatus keeps the read model up to date: a projection whose handlers write through the
// checkpoint's transaction, so each event changes the table exactly once.
type OrdersByStatus struct {
	*projection.Typed
	dbs *autoconfig.Databases
}

// NewOrdersByStatus builds the projection; the module runs it. Its table is created in an OnStart
// hook: Fx runs the hooks in the order their constructors ran, so the module's databases (this
// constructor takes *autoconfig.Databases) are open by then, and the projection runners (built
// from this projection) have not started yet.
func NewOrdersByStatus(lc fx.Lifecycle, dbs *autoconfig.Databases) *OrdersByStatus {
	v := &OrdersByStatus{Typed: projection.NewTyped("orders_by_status"), dbs: dbs}
	lc.Append(fx.StartHook(func(ctx context.Context) error {
		// The checkpoints' database (the event store's, unless projection.checkpoint.url says
		// otherwise): the read model must live there to commit with the checkpoint.
		_, err := dbs.CheckpointsDB().NewCreateTable().Model((*OrderRow)(nil)).IfNotExists().Exec(ctx)
		return err
	}))
	projection.On(v.Typed, func(ctx context.Context, e OrderPlaced, env es.Envelope) error {
		return exec(ctx, "INSERT INTO orders_by_status (order_id, customer, status, lines, total_cents) VALUES (?, ?, ?, 0, 0)",
			env.AggregateID, e.Customer, StatusPlaced)
	})
	projection.On(v.Typed, func(ctx context.Context, e LineAdded, env es.Envelope) error {
		return exec(ctx, "UPDATE orders_by_status SET lines = lines + 1, total_cents = total_cents + ? WHERE order_id = ?",
			e.Quantity*e.PriceCents, env.AggregateID)
	})
	projection.On(v.Typed, func(ctx context.Context, _ OrderShipped, env es.Envelope) error {
		return exec(ctx, "UPDATE orders_by_status SET status = ? WHERE order_id = ?", StatusShipped, env.AggregateID)
	})
	projection.On(v.Typed, func(ctx context.Context, _ OrderCancelled, env es.Envelope) error {
		return exec(ctx, "UPDATE orders_by_status SET status = ? WHERE order_id = ?", StatusCancelled, env.AggregateID)
	})
	return v
}

// exec runs a statement in the batch's transaction, which the runner commits with the
// checkpoint: each event changes the read model exactly once.
func exec(ctx context.Context, query string, args ...any) error {
	tx, ok := bunstore.TxFrom(ctx)
	if !ok {
		return errors.New("orders_by_status: no transaction in the context; the checkpoints must be on bun")
	}
	_, err := tx.ExecContext(ctx, query, args...)
	return err
}

// All returns the read model, ordered by order id.
func (v *OrdersByStatus) All(ctx context.Context) ([]OrderRow, error) {
	var rows []OrderRow
	if err := v.db().NewSelect().Model(&rows).Order("order_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read orders_by_status: %w", err)
	}
	return rows, nil
}

func (v *OrdersByStatus) db() *bun.DB { return v.dbs.CheckpointsDB() }
