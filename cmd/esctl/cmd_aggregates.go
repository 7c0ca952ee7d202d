package main

import (
	"context"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
)

// runAggregates: esctl aggregates [--type T] [--limit N].
func runAggregates(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("aggregates", g)
	typ := fs.String("type", "", "only aggregates of this type")
	limit := fs.Int("limit", 100, "the most aggregates to list")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("aggregates", rest, 0, ""); err != nil {
		return err
	}
	return withEnv(ctx, g, out, func(e *env) error {
		aggs, err := e.admin.Aggregates(ctx, inspect.AggregateQuery{Type: *typ, Limit: *limit})
		if err != nil {
			return err
		}
		if out.json {
			for _, a := range aggs {
				if err := out.jsonLine(a); err != nil {
					return err
				}
			}
			return nil
		}
		if len(aggs) == 0 {
			return out.linef("no aggregates")
		}
		rows := make([][]string, len(aggs))
		for i, a := range aggs {
			rows[i] = []string{a.ID, a.Type, itoa(a.Version), when(a.LastOccurredAt)}
		}
		return out.table([]string{"AGGREGATE ID", "TYPE", "VERSION", "LAST EVENT"}, rows)
	})
}
