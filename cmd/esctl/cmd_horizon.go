package main

import (
	"context"
)

// runHorizon: esctl horizon.
func runHorizon(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("horizon", g)
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("horizon", rest, 0, ""); err != nil {
		return err
	}
	return withEnv(ctx, g, out, func(e *env) error {
		h, err := e.admin.Horizon(ctx)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(h)
		}
		lines := [][2]any{
			{"newest position: %d", h.NewestPosition},
			{"newest readable: %d", h.NewestReadable},
			{"waiting beyond the horizon: %d events", h.Waiting},
		}
		for _, l := range lines {
			if err := out.linef(l[0].(string), l[1]); err != nil {
				return err
			}
		}
		if h.Holder == nil {
			return out.linef("holder: none (no other transaction holds a transaction id)")
		}
		x := h.Holder
		return out.linef("holder: pid %d, application %s, state %s, open for %s (since %s), database %s, user %s",
			x.PID, cell(x.ApplicationName), cell(text(x.State)), age(x.Age), when(x.TransactionStart), cell(x.Database), cell(x.User))
	})
}
