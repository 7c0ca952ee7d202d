package projection

import (
	"context"
	"errors"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// A partition's reads return its own events and, when they read past the last of them, a gap:
// an envelope with no event id at the position read through, which the partition's projection
// passes over. The runner applies it as any event, so the partition's checkpoint moves past the
// other partitions' events: its lag counts the stream, and it never reads them again.
const (
	// gapType marks a gap read up to the stream's end as the read saw it.
	gapType = "pyfly.partition.gap"
	// gapMoreType marks a gap after which more of the stream follows at once (a read that
	// stopped scanning): the runner reads on without waiting.
	gapMoreType = "pyfly.partition.gap.more"
)

// maxScanPages bounds how many pages of the whole stream one read of a partition scans, on a
// store that cannot read a partition alone, before it returns what it found and a gap.
const maxScanPages = 16

// isGap reports whether e is a partition's gap.
func isGap(e *es.Envelope) bool {
	return e.EventID == "" && (e.EventType == gapType || e.EventType == gapMoreType)
}

// gapMore reports whether events end with a gap after which more of the stream follows.
func gapMore(events []es.Envelope) bool {
	n := len(events)
	return n > 0 && events[n-1].EventID == "" && events[n-1].EventType == gapMoreType
}

func gap(position int64, more bool) es.Envelope {
	t := gapType
	if more {
		t = gapMoreType
	}
	return es.Envelope{EventType: t, GlobalPosition: position}
}

// partitionStore is the event store as partition i of n reads it.
type partitionStore struct {
	es.EventStore
	i, n int
}

// Unwrap lets the runner find the store's capabilities (its commit signals, its head).
func (s *partitionStore) Unwrap() es.EventStore { return s.EventStore }

// ReadAll reads the partition's events after after: in the database when the store is a
// [PartitionReader], else from pages of the whole stream.
func (s *partitionStore) ReadAll(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	if pr, ok := capability[PartitionReader](s.EventStore); ok {
		return s.readInStore(ctx, pr, after, limit)
	}
	return s.scan(ctx, after, limit)
}

// readInStore reads up to the position readable now: every event at or below it is on the
// stream for good, so the gap may cover it.
func (s *partitionStore) readInStore(ctx context.Context, pr PartitionReader, after int64, limit int) ([]es.Envelope, error) {
	upTo, err := s.LastPosition(ctx)
	if err != nil || upTo <= after {
		return nil, err
	}
	events, through, err := pr.ReadPartition(ctx, after, upTo, limit, s.i, s.n)
	if err != nil || len(events) >= limit {
		return events, err
	}
	return withGap(events, min(through, upTo), after, through < upTo), nil
}

// scan reads pages of the whole stream and keeps the partition's events, until it has limit of
// them, reaches the end, or has scanned maxScanPages pages. An event the store cannot hand out
// ends the read when it is the partition's, and is passed over otherwise.
func (s *partitionStore) scan(ctx context.Context, after int64, limit int) ([]es.Envelope, error) {
	var out []es.Envelope
	through := after
	for range maxScanPages {
		page, err := s.EventStore.ReadAll(ctx, through, limit)
		for i := range page {
			if PartitionOf(page[i].AggregateID, s.n) == s.i {
				out = append(out, page[i])
			}
		}
		if len(page) > 0 {
			through = page[len(page)-1].GlobalPosition
		}
		var de *es.DecodeError
		switch {
		case errors.As(err, &de) && de.Event.GlobalPosition > through && PartitionOf(de.Event.AggregateID, s.n) != s.i:
			through = de.Event.GlobalPosition // another partition's: not this one's to deal with
			continue
		case err != nil:
			return out, err
		case len(out) >= limit:
			return out, nil
		case len(page) < limit:
			return withGap(out, through, after, false), nil
		}
	}
	return withGap(out, through, after, true), nil
}

// withGap appends a gap at through to events when they end before it.
func withGap(events []es.Envelope, through, after int64, more bool) []es.Envelope {
	last := after
	if n := len(events); n > 0 {
		last = events[n-1].GlobalPosition
	}
	if through > last {
		return append(events, gap(through, more))
	}
	return events
}

// partitionProjection is the projection as one partition applies it: under the partition's
// name, passing over gaps.
type partitionProjection struct {
	p    Projection
	name string
}

func (p *partitionProjection) Name() string { return p.name }

func (p *partitionProjection) Handle(ctx context.Context, e es.Envelope) error {
	if isGap(&e) {
		return nil
	}
	return p.p.Handle(ctx, e)
}
