package main

import (
	"context"
	"flag"
	"os/user"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/internal/check"
)

// skipper is who skips a dead letter: --by when given, else the OS user.
func skipper(fs *flag.FlagSet, by string) (string, error) {
	if isSet(fs, "by") {
		if by == "" {
			return "", usagef("dead-letters skip: --by needs a name")
		}
		return by, nil
	}
	u, err := user.Current()
	if err != nil || u.Username == "" {
		return "", usagef("dead-letters skip: the OS user is unknown: say who skips with --by")
	}
	return u.Username, nil
}

// retryAllDeadLetters brings back every dead letter of one outbox or projection.
func retryAllDeadLetters(ctx context.Context, g *globals, out *printer, kind inspect.Kind, name string) error {
	return withEnv(ctx, g, out, func(e *env) error {
		n, err := e.admin.RetryAllDeadLetters(ctx, kind, name)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(map[string]any{"kind": string(kind), "name": name, "retried": n})
		}
		if kind == inspect.KindOutbox {
			return out.linef("outbox %s: %d dead letters are due again; a running relay publishes them in their order", cell(name), n)
		}
		return out.linef("projection %s: %d dead letters are asked for again; its running runner applies them in their order",
			cell(check.Clip(name, 300)), n)
	})
}

// skipDeadLetter gives one dead letter up for good, recording who skipped it.
func skipDeadLetter(ctx context.Context, g *globals, out *printer, kind inspect.Kind, name, id, by string) error {
	return withEnv(ctx, g, out, func(e *env) error {
		kind, name, err := e.admin.SkipDeadLetter(ctx, kind, name, id, by)
		if err != nil {
			return err
		}
		if out.json {
			return out.jsonLine(map[string]string{"kind": string(kind), "name": name, "event_id": id, "skipped_by": by})
		}
		return out.linef("%s %s: dead letter %s skipped by %s; what it held back goes on", kind, cell(check.Clip(name, 300)), cell(id), cell(by))
	})
}

// listSkipped lists the skipped dead letters.
func listSkipped(ctx context.Context, g *globals, out *printer, q inspect.DeadLetterQuery) error {
	return withEnv(ctx, g, out, func(e *env) error {
		skips, err := e.admin.SkippedDeadLetters(ctx, q)
		if err != nil {
			return err
		}
		if out.json {
			for _, s := range skips {
				if err := out.jsonLine(s); err != nil {
					return err
				}
			}
			return nil
		}
		if len(skips) == 0 {
			return out.linef("no skipped dead letters")
		}
		rows := make([][]string, len(skips))
		for i, s := range skips {
			rows[i] = []string{string(s.Kind), s.Name, s.EventID, itoa(s.GlobalPosition), s.AggregateID, s.EventType,
				itoa(int64(s.Attempts)), s.SkippedBy, when(s.SkippedAt), s.Error}
		}
		return out.table([]string{"KIND", "NAME", "EVENT ID", "POSITION", "AGGREGATE", "EVENT TYPE", "ATTEMPTS", "SKIPPED BY", "SKIPPED AT", "ERROR"}, rows)
	})
}
