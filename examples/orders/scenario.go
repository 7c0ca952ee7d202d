package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// play is one run: it reports what earlier runs left, ships the orders they left open, places
// three new orders (one stays open for the next run), shows two commands the rules refuse, then
// waits for the read model and the bus and prints them, and the snapshots taken and used.
// snapshotInterval is the configured pyfly.eventsourcing.snapshot.interval.
func play(ctx context.Context, out io.Writer, b beans, bus *Bus, snapshotInterval int) error {
	// The module's options: the outbox, and the snapshot store at the configured interval.
	repo, err := es.NewRepository(b.Store, NewOrder, b.Options...)
	if err != nil {
		return err
	}
	snaps := &snapshotLog{store: b.Snapshots, interval: snapshotInterval}
	before, err := b.View.All(ctx)
	if err != nil {
		return err
	}
	start, err := b.Store.LastPosition(ctx)
	if err != nil {
		return err
	}
	if len(before) == 0 {
		fmt.Fprintln(out, "No orders yet: this is the first run.")
	} else {
		fmt.Fprintf(out, "Reloaded %d orders stored by earlier runs.\n", len(before))
	}

	saved := 0
	save := func(o *Order) error {
		n := len(o.PendingEvents())
		if err := repo.Save(ctx, o); err != nil {
			return err
		}
		saved += n
		return snaps.saved(ctx, o, o.Version-int64(n))
	}
	for _, row := range before {
		if row.Status != StatusPlaced {
			continue
		}
		o, err := snaps.load(ctx, repo, row.OrderID)
		if err != nil {
			return err
		}
		if err := o.Ship("DHL"); err != nil {
			return err
		}
		if err := save(o); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s (%s, %s, %s) was open: reloaded it at version %d and shipped it with DHL.\n",
			o.ID, o.Customer, plural(len(o.Lines), "line"), money(o.TotalCents()), o.Version-1)
	}

	n := len(before)
	ids := []string{orderID(n + 1), orderID(n + 2), orderID(n + 3)}
	fmt.Fprintf(out, "Placing %s, %s and %s.\n", ids[0], ids[1], ids[2])
	steps := []struct {
		id, customer string
		lines        []Line
		then         func(o *Order) error
	}{
		{ids[0], "Ada", []Line{{"tea", 2, 450}, {"cup", 1, 1200}}, func(o *Order) error { return o.Ship("UPS") }},
		{ids[1], "Grace", []Line{{"coffee", 3, 990}}, func(o *Order) error { return o.Cancel("changed her mind") }},
		{ids[2], "Linus", []Line{{"kettle", 1, 3500}}, nil}, // stays open: the next run ships it
	}
	for _, s := range steps {
		o := NewOrder()
		if err := o.Place(s.id, s.customer); err != nil {
			return err
		}
		for _, l := range s.lines {
			if err := o.AddLine(l.SKU, l.Quantity, l.PriceCents); err != nil {
				return err
			}
		}
		if s.then != nil {
			if err := s.then(o); err != nil {
				return err
			}
		}
		if err := save(o); err != nil {
			return err
		}
	}

	// The rules refuse what they must; nothing is saved.
	empty := NewOrder()
	_ = empty.Place(orderID(n+4), "Nobody")
	if err := empty.Ship("UPS"); errors.Is(err, ErrEmpty) {
		fmt.Fprintf(out, "Refused: shipping an order without lines (%v).\n", err)
	}
	shipped, err := snaps.load(ctx, repo, ids[0])
	if err != nil {
		return err
	}
	if err := shipped.Cancel("too late"); errors.Is(err, ErrNotPlaced) {
		fmt.Fprintf(out, "Refused: cancelling %s, which has shipped (%v).\n", ids[0], err)
	}

	if err := waitForReaders(ctx, b, bus, start, saved); err != nil {
		return err
	}
	rows, err := b.View.All(ctx)
	if err != nil {
		return err
	}
	printView(out, rows)
	printBus(out, bus, saved)
	snaps.print(out)
	return nil
}

// waitForReaders waits until the projection has applied every event and the subscriber has
// received the saved ones.
func waitForReaders(ctx context.Context, b beans, bus *Bus, start int64, saved int) error {
	deadline := time.Now().Add(30 * time.Second)
	runner := b.Runners.Runner("orders_by_status")
	for {
		st, err := runner.Status(ctx)
		if err != nil {
			return err
		}
		got, _ := bus.Received()
		if st.Position >= st.LastPosition && st.LastPosition > start && got >= saved {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the read model (at %d of %d) or the bus (%d of %d events) did not catch up in 30 s",
				st.Position, st.LastPosition, got, saved)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func printView(out io.Writer, rows []OrderRow) {
	by := map[string][]string{}
	for _, r := range rows {
		by[r.Status] = append(by[r.Status], fmt.Sprintf("%s %s %s", r.OrderID, r.Customer, money(r.TotalCents)))
	}
	fmt.Fprintln(out, "Read model \"orders by status\" (projection, same database):")
	for _, status := range []string{StatusPlaced, StatusShipped, StatusCancelled} {
		fmt.Fprintf(out, "  %-9s %d: %s\n", status, len(by[status]), strings.Join(by[status], ", "))
	}
}

func printBus(out io.Writer, bus *Bus, saved int) {
	n, byOrder := bus.Received()
	fmt.Fprintf(out, "Outbox → Watermill: %d events saved in this run, %d received, in order per order:\n", saved, n)
	for _, id := range slices.Sorted(maps.Keys(byOrder)) {
		fmt.Fprintf(out, "  %s: %s\n", id, strings.Join(byOrder[id], ", "))
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orderID(n int) string { return fmt.Sprintf("order-%03d", n) }

func money(cents int) string { return fmt.Sprintf("€%d.%02d", cents/100, cents%100) }
