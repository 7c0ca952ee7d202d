package memory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
)

// DefaultStallThreshold is how long a projection's checkpoint may stand still while events wait
// before an [Inspector] calls it failing, unless [InspectorStores] says otherwise.
const DefaultStallThreshold = time.Minute

// leasePrefix names a projection's lease: the runner's lease is "pyfly.projection." + name.
const leasePrefix = "pyfly.projection."

// InspectorStores are the stores an [Inspector] reads; any of them but Events may be nil.
type InspectorStores struct {
	Events      *EventStore
	Checkpoints *CheckpointStore
	Lease       *Lease
	DeadLetters *DeadLetterStore
	Outbox      *OutboxStore
	// StallThreshold is how long a checkpoint may stand still while events wait before the
	// projection is failing (inspect.StateOf); 0 means [DefaultStallThreshold].
	StallThreshold time.Duration
}

// Inspector is an inspect.Inspector over memory stores, for a health check in the process that
// holds them. It reads committed state only.
type Inspector struct {
	s InspectorStores
}

var _ inspect.Inspector = (*Inspector)(nil)

// NewInspector returns an Inspector of s. It refuses a nil s.Events or a negative threshold.
func NewInspector(s InspectorStores) (*Inspector, error) {
	if s.Events == nil {
		return nil, errors.New("memory.NewInspector: the event store is nil")
	}
	if s.StallThreshold < 0 {
		return nil, fmt.Errorf("memory.NewInspector: the stall threshold must not be negative, got %v", s.StallThreshold)
	}
	if s.StallThreshold == 0 {
		s.StallThreshold = DefaultStallThreshold
	}
	return &Inspector{s: s}, nil
}

// Ping implements inspect.Inspector: memory stores are always reachable.
func (i *Inspector) Ping(ctx context.Context) error { return ctx.Err() }

// CheckSchema implements inspect.Inspector: memory stores have no schema.
func (i *Inspector) CheckSchema(ctx context.Context) error { return ctx.Err() }

// Horizon implements inspect.Inspector: the memory store has no read horizon.
func (i *Inspector) Horizon(context.Context) (inspect.Horizon, error) {
	return inspect.Horizon{}, fmt.Errorf("memory: no read horizon: readers see every committed event at once: %w", errors.ErrUnsupported)
}

// Projections implements inspect.Inspector: each projection with a checkpoint or a dead letter.
func (i *Inspector) Projections(ctx context.Context) ([]inspect.Projection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	byName := map[string]*inspect.Projection{}
	get := func(name string) *inspect.Projection {
		if p := byName[name]; p != nil {
			return p
		}
		p := &inspect.Projection{Name: name, ReadAt: now}
		byName[name] = p
		return p
	}
	if cs := i.s.Checkpoints; cs != nil {
		cs.mu.RLock()
		for name, cp := range cs.points {
			p := get(name)
			p.Position, p.UpdatedAt = cp.position, cp.movedAt.UTC()
		}
		cs.mu.RUnlock()
	}
	if dl := i.s.DeadLetters; dl != nil {
		dl.mu.RLock()
		for name, letters := range dl.letters {
			get(name).DeadLetters = int64(len(letters))
		}
		dl.mu.RUnlock()
	}
	all := make([]inspect.Projection, 0, len(byName))
	for _, p := range byName {
		all = append(all, *p)
	}
	out, recs := storekit.SplitVersionRecords(all)
	for j := range out {
		i.fill(&out[j], now)
	}
	slices.SortFunc(out, func(a, b inspect.Projection) int { return strings.Compare(a.Name, b.Name) })
	recs.Apply(out)
	return out, nil
}

// fill adds p's lag from the event store and its lease and state.
func (i *Inspector) fill(p *inspect.Projection, now time.Time) {
	ev := i.s.Events
	ev.mu.RLock()
	last := ev.log.n
	if p.Position < last {
		p.Lag = last - p.Position
		p.OldestWaitingAt = ev.log.at(p.Position + 1).env.OccurredAt
	}
	ev.mu.RUnlock()
	var l inspect.Lease
	var expiredFor time.Duration
	if ls := i.s.Lease; ls != nil {
		ls.mu.Lock()
		if e := ls.leases[leasePrefix+p.Name]; e != nil {
			l = inspect.Lease{Exists: true, ExpiresAt: e.expires.UTC(), Live: e.held && now.Before(e.expires)}
			if e.held {
				l.Holder = e.owner
				p.LeaseHolder, p.LeaseExpiresAt = e.owner, e.expires.UTC()
			}
			expiredFor = now.Sub(e.expires)
		}
		ls.mu.Unlock()
	}
	idle := now.Sub(p.UpdatedAt)
	if p.UpdatedAt.IsZero() {
		idle = math.MaxInt64
	}
	p.State = inspect.StateOf(l, p.LagTime(), idle, expiredFor, i.s.StallThreshold)
}

// Outboxes implements inspect.Inspector: every outbox with a record.
func (i *Inspector) Outboxes(ctx context.Context) ([]inspect.Outbox, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ob := i.s.Outbox
	if ob == nil {
		return []inspect.Outbox{}, nil
	}
	now := time.Now().UTC()
	ob.mu.Lock()
	out := make([]inspect.Outbox, 0, len(ob.boxes))
	for name, b := range ob.boxes {
		o := inspect.Outbox{Name: name, ReadAt: now}
		for _, e := range b.byID {
			switch {
			case e.rec.Dead:
				o.DeadLetters++
			case e.isLive():
				o.Pending++
				if o.OldestPendingAt.IsZero() || e.rec.CreatedAt.Before(o.OldestPendingAt) {
					o.OldestPendingAt = e.rec.CreatedAt
				}
			}
		}
		out = append(out, o)
	}
	ob.mu.Unlock()
	slices.SortFunc(out, func(a, b inspect.Outbox) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
