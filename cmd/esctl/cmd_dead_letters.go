package main

import (
	"context"
	"flag"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/internal/check"
)

// ownerFlags are --outbox and --projection, which say whose dead letters.
type ownerFlags struct {
	fs                 *flag.FlagSet
	outbox, projection *string
}

func newOwnerFlags(fs *flag.FlagSet) ownerFlags {
	return ownerFlags{fs: fs,
		outbox:     fs.String("outbox", "", "the dead letters of this outbox"),
		projection: fs.String("projection", "", "the dead letters of this projection")}
}

// owner returns the kind and name the flags give ("" for neither).
func (o ownerFlags) owner(cmd string) (inspect.Kind, string, error) {
	ob, pr := isSet(o.fs, "outbox"), isSet(o.fs, "projection")
	switch {
	case ob && pr:
		return "", "", usagef("%s: give --outbox or --projection, not both", cmd)
	case ob:
		if *o.outbox == "" {
			return "", "", usagef("%s: --outbox needs a name", cmd)
		}
		return inspect.KindOutbox, *o.outbox, nil
	case pr:
		if *o.projection == "" {
			return "", "", usagef("%s: --projection needs a name", cmd)
		}
		return inspect.KindProjection, *o.projection, nil
	}
	return "", "", nil
}

// runDeadLetters: esctl dead-letters [--outbox N | --projection N] [--limit N] [--skipped],
// esctl dead-letters retry ID [--outbox N | --projection N], esctl dead-letters retry-all
// (--outbox N | --projection N) and esctl dead-letters skip ID [--outbox N | --projection N]
// [--by WHO].
func runDeadLetters(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("dead-letters", g)
	owner := newOwnerFlags(fs)
	limit := fs.Int("limit", 100, "the most dead letters to list")
	skipped := fs.Bool("skipped", false, "list the dead letters operators skipped instead")
	by := fs.String("by", "", "skip: who skips (default: the OS user)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	kind, name, err := owner.owner("dead-letters")
	if err != nil {
		return err
	}
	if len(rest) > 0 && rest[0] == "retry" {
		if err := wantArgs("dead-letters retry", rest[1:], 1, "the event id of a dead letter"); err != nil {
			return err
		}
		return retryDeadLetter(ctx, g, out, kind, name, rest[1])
	}
	if len(rest) > 0 && rest[0] == "retry-all" {
		if err := wantArgs("dead-letters retry-all", rest[1:], 0, ""); err != nil {
			return err
		}
		if kind == "" {
			return usagef("dead-letters retry-all: give --outbox N or --projection N")
		}
		return retryAllDeadLetters(ctx, g, out, kind, name)
	}
	if len(rest) > 0 && rest[0] == "skip" {
		if err := wantArgs("dead-letters skip", rest[1:], 1, "the event id of a dead letter"); err != nil {
			return err
		}
		who, err := skipper(fs, *by)
		if err != nil {
			return err
		}
		return skipDeadLetter(ctx, g, out, kind, name, rest[1], who)
	}
	if err := wantArgs("dead-letters", rest, 0, ""); err != nil {
		return err
	}
	if *skipped {
		return listSkipped(ctx, g, out, inspect.DeadLetterQuery{Kind: kind, Name: name, Limit: *limit})
	}
	return withEnv(ctx, g, out, func(e *env) error {
		letters, err := e.admin.DeadLetters(ctx, inspect.DeadLetterQuery{Kind: kind, Name: name, Limit: *limit})
		if err != nil {
			return err
		}
		if out.json {
			for _, d := range letters {
				if err := out.jsonLine(d); err != nil {
					return err
				}
			}
			return nil
		}
		if len(letters) == 0 {
			return out.linef("no dead letters")
		}
		rows := make([][]string, len(letters))
		for i, d := range letters {
			state := "parked"
			switch {
			case d.RetryRequested:
				state = "retry asked"
			case d.Kind == inspect.KindProjection && d.Attempts == 0:
				state = "held" // behind an earlier dead letter of its aggregate (park-aggregate)
			}
			rows[i] = []string{string(d.Kind), d.Name, d.Event.EventID, itoa(d.Event.GlobalPosition), d.Event.AggregateID,
				d.Event.EventType, itoa(int64(d.Attempts)), when(d.FailedAt), state, d.Error}
		}
		return out.table([]string{"KIND", "NAME", "EVENT ID", "POSITION", "AGGREGATE", "EVENT TYPE", "ATTEMPTS", "FAILED AT", "STATE", "ERROR"}, rows)
	})
}

// retryDeadLetter brings one dead letter back.
func retryDeadLetter(ctx context.Context, g *globals, out *printer, kind inspect.Kind, name, id string) error {
	return withEnv(ctx, g, out, func(e *env) error {
		kind, name, err := e.admin.RetryDeadLetter(ctx, kind, name, id)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(map[string]string{"kind": string(kind), "name": name, "event_id": id})
		}
		if kind == inspect.KindOutbox {
			return out.linef("outbox %s: dead letter %s is due again; a running relay publishes it", cell(name), cell(id))
		}
		return out.linef("projection %s: dead letter %s is asked for again; its running runner applies it", cell(check.Clip(name, 300)), cell(id))
	})
}
