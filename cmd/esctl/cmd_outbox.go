package main

import (
	"context"
	"flag"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
)

// runOutbox: esctl outbox [--name N].
func runOutbox(ctx context.Context, g *globals, args []string, out *printer) error {
	if isReplay(args) {
		return runOutboxReplay(ctx, g, args[1:], out)
	}
	fs := newFlags("outbox", g)
	name := fs.String("name", "", "one outbox (default: every outbox with a record)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("outbox", rest, 0, ""); err != nil {
		return err
	}
	named := isSet(fs, "name")
	return withEnv(ctx, g, out, func(e *env) error {
		var obs []inspect.Outbox
		if named {
			o, err := e.admin.Outbox(ctx, *name)
			if err != nil {
				return err
			}
			obs = []inspect.Outbox{o}
		} else if obs, err = e.admin.Outboxes(ctx); err != nil {
			return err
		}
		if out.json {
			for _, o := range obs {
				if err := out.jsonLine(o); err != nil {
					return err
				}
			}
			return nil
		}
		if len(obs) == 0 {
			return out.linef("no outbox has a record (an outbox in mode stream keeps none: it is the projection outbox:<name> in esctl projections)")
		}
		rows := make([][]string, len(obs))
		for i, o := range obs {
			oldest := "-"
			if o.Pending > 0 {
				oldest = age(o.OldestPendingAge())
			}
			rows[i] = []string{o.Name, itoa(o.Pending), oldest, itoa(o.DeadLetters)}
		}
		return out.table([]string{"OUTBOX", "PENDING", "OLDEST PENDING", "DEAD LETTERS"}, rows)
	})
}

// isSet reports whether the flag name was given.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
