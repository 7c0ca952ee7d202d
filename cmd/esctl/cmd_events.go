package main

import (
	"context"
	"fmt"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/internal/check"
)

// tailPage is how many events tail reads at once.
const tailPage = 500

// tailPoll is how often tail --follow reads again when no commit wakes it.
const tailPoll = time.Second

// runEvents: esctl events AGGREGATE_ID [--from-sequence N].
func runEvents(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("events", g)
	from := fs.Int64("from-sequence", 1, "the first sequence to show")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("events", rest, 1, "an aggregate id"); err != nil {
		return err
	}
	if *from < 1 {
		return usagef("events: --from-sequence is 1 or more, got %d", *from)
	}
	id := rest[0]
	return withEnv(ctx, g, out, func(e *env) error {
		events, err := e.admin.Events(ctx, id, *from-1)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return fmt.Errorf("%w: aggregate %q has no events from sequence %d", inspect.ErrNotFound, check.Clip(id, 80), *from)
		}
		w := eventWriter{out: out}
		return w.write(events)
	})
}

// runTail: esctl tail [--from POSITION] [--follow].
func runTail(ctx context.Context, g *globals, args []string, out *printer) error {
	fs := newFlags("tail", g)
	from := fs.Int64("from", 0, "show the events after this global position (0: from the start)")
	follow := fs.Bool("follow", false, "keep waiting for new events until interrupted")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs("tail", rest, 0, ""); err != nil {
		return err
	}
	if *from < 0 {
		return usagef("tail: --from is a position, 0 or more, got %d", *from)
	}
	return withEnv(ctx, g, out, func(e *env) error {
		var wake <-chan struct{}
		if *follow {
			wake = e.admin.CommitNotifications(ctx)
		}
		w := eventWriter{out: out, positions: true}
		after := *from
		for {
			page, err := e.admin.Tail(ctx, after, tailPage)
			if err != nil {
				if ctx.Err() != nil && *follow {
					return nil
				}
				return err
			}
			if err := w.write(page); err != nil {
				return err
			}
			if len(page) > 0 {
				after = page[len(page)-1].GlobalPosition
			}
			if len(page) == tailPage {
				continue
			}
			if !*follow {
				return w.done()
			}
			timer := time.NewTimer(tailPoll)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case <-wake:
			case <-timer.C:
			}
			timer.Stop()
		}
	})
}

// eventWriter prints events: a line of JSON each, or table rows (the header once).
type eventWriter struct {
	out       *printer
	positions bool // the stream: the position first
	header    bool
}

func (w *eventWriter) write(events []es.Envelope) error {
	if w.out.json {
		for _, e := range events {
			b, err := inspect.EventJSON(e)
			if err != nil {
				return err
			}
			if err := w.out.rawLine(b); err != nil {
				return err
			}
		}
		return nil
	}
	if len(events) == 0 {
		return nil
	}
	if !w.header {
		w.header = true
		if err := w.out.linef("%-20s %-36s %-24s %6s %-24s %s", "POSITION", "EVENT ID", "AGGREGATE", "SEQ", "EVENT TYPE", "OCCURRED AT"); err != nil {
			return err
		}
	}
	for _, e := range events {
		if err := w.out.linef("%-20d %-36s %-24s %6d %-24s %s", e.GlobalPosition, cell(e.EventID), cell(e.AggregateID), e.Sequence,
			cell(e.EventType), when(e.OccurredAt)); err != nil {
			return err
		}
		if !w.positions {
			if err := w.out.linef("    %s", cell(string(e.Payload))); err != nil {
				return err
			}
		}
	}
	return nil
}

// done ends a listing that may have been empty.
func (w *eventWriter) done() error {
	if !w.out.json && !w.header {
		return w.out.linef("no events")
	}
	return nil
}
