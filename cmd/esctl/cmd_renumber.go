package main

import (
	"context"
)

// runRenumber: esctl renumber --confirm.
func runRenumber(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("renumber", g)
	confirm := fs.Bool("confirm", false, "rewrite every global position, checkpoint and dead letter position (stop the application first)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("renumber", rest, 0, ""); err != nil {
		return err
	}
	if !*confirm {
		return usagef("renumber rewrites every global position, with the projections' checkpoints, dead letters and outbox records, " +
			"in one transaction: stop the application, then run esctl renumber --confirm")
	}
	return withEnv(ctx, g, out, func(e *env) error {
		r, err := e.admin.Renumber(ctx)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(struct {
				Renumbered    bool  `json:"renumbered"`
				Events        int64 `json:"events"`
				OldFirst      int64 `json:"old_first,string"`
				OldLast       int64 `json:"old_last,string"`
				Checkpoints   int64 `json:"checkpoints"`
				DeadLetters   int64 `json:"dead_letters"`
				OutboxRecords int64 `json:"outbox_records"`
			}{r.Needed, r.Events, r.OldFirst, r.OldLast, r.Checkpoints, r.DeadLetters, r.OutboxRecords})
		}
		if !r.Needed {
			return out.linef("nothing to renumber: every stored position (the highest is %d) is below what this server's transaction ids give", r.OldLast)
		}
		return out.linef("renumbered %d events from positions %d..%d to 1..%d, with %d checkpoints, %d dead letters and %d outbox records",
			r.Events, r.OldFirst, r.OldLast, r.Events, r.Checkpoints, r.DeadLetters, r.OutboxRecords)
	})
}
