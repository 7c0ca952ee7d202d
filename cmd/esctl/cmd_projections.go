package main

import (
	"context"

	"github.com/gofly/eventsourcing/internal/check"
)

// runProjections: esctl projections.
func runProjections(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("projections", g)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("projections", rest, 0, ""); err != nil {
		return err
	}
	return withEnv(ctx, g, out, func(e *env) error {
		ps, err := e.admin.Projections(ctx)
		if err != nil {
			return err
		}
		if out.json {
			for _, p := range ps {
				if err := out.jsonLine(p); err != nil {
					return err
				}
			}
			return nil
		}
		if len(ps) == 0 {
			return out.linef("no projections: no checkpoint and no dead letter is stored")
		}
		rows := make([][]string, len(ps))
		for i, p := range ps {
			rows[i] = []string{p.Name, itoa(p.Position), itoa(p.Lag), string(p.State), text(p.LeaseHolder), when(p.LeaseExpiresAt), itoa(p.DeadLetters)}
		}
		return out.table([]string{"NAME", "POSITION", "LAG", "STATE", "LEASE HOLDER", "LEASE EXPIRES", "DEAD LETTERS"}, rows)
	})
}

// runProjection: esctl projection reset NAME [--to POSITION] [--force].
func runProjection(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("projection reset", g)
	to := fs.Int64("to", 0, "the position the checkpoint goes back to: 0 (the start) or the position of an event")
	force := fs.Bool("force", false, "reset even while a runner holds the projection's lease: it notices and replays")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || rest[0] != "reset" {
		return usagef("projection takes the subcommand reset: esctl projection reset NAME [--to POSITION] [--force]")
	}
	if err := wantArgs("projection reset", rest[1:], 1, "a projection name"); err != nil {
		return err
	}
	if *to < 0 {
		return usagef("projection reset: --to is a position, 0 or more, got %d", *to)
	}
	name := rest[1]
	return withEnv(ctx, g, out, func(e *env) error {
		from, err := e.admin.ResetProjection(ctx, name, *to, *force)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(struct {
				Name string `json:"name"`
				From int64  `json:"from,string"`
				To   int64  `json:"to,string"`
			}{name, from, *to})
		}
		return out.linef("projection %s: checkpoint moved from %d to %d; its runner applies the events after %d again",
			cell(check.Clip(name, 300)), from, *to, *to)
	})
}
