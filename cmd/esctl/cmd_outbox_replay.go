package main

import (
	"context"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
)

// runOutboxReplay: esctl outbox replay --from POSITION [--to POSITION] [--name N].
func runOutboxReplay(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("outbox replay", g)
	from := fs.Int64("from", 0, "replay the events after this global position (0: from the start)")
	to := fs.Int64("to", 0, "up to and including this global position (default: the newest)")
	name := fs.String("name", "", "the outbox (default: the configured outbox.name, else "+outbox.DefaultName+")")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("outbox replay", rest, 0, ""); err != nil {
		return err
	}
	if !isSet(fs, "from") {
		return usagef("outbox replay: give --from POSITION (0 replays the whole stream)")
	}
	if *from < 0 || *to < 0 || (isSet(fs, "to") && *to <= *from) {
		return usagef("outbox replay: needs 0 ≤ --from < --to, got --from %d --to %d", *from, *to)
	}
	return withEnv(ctx, g, out, func(e *env) error {
		n := *name
		if !isSet(fs, "name") {
			n = e.cfg.Outbox.Name
			if n == "" {
				n = outbox.DefaultName
			}
		}
		r, err := e.admin.ReplayOutbox(ctx, n, *from, *to)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(map[string]any{"name": r.Outbox, "events": r.Events, "first_position": itoa(r.First), "last_position": itoa(r.Last)})
		}
		if r.Events == 0 {
			return out.linef("outbox %s: no event to replay after position %d", cell(r.Outbox), *from)
		}
		return out.linef("outbox %s: %d events replayed, positions %d to %d (a record still pending stays in its place); a running relay publishes them in order",
			cell(r.Outbox), r.Events, r.First, r.Last)
	})
}

// isReplay reports whether args start with the replay subcommand.
func isReplay(args []string) bool { return len(args) > 0 && args[0] == "replay" }
