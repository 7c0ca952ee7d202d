package projection

import (
	"context"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// Projection turns the global event stream into a read model. Name identifies it: it is the key
// of its checkpoint and of its lease, so it must stay the same across restarts and be unique
// among the projections that share a checkpoint store. Handle is called once per event, in
// global-position order; an error stops the runner at that event, which is retried (see
// [Runner]).
type Projection interface {
	Name() string
	Handle(ctx context.Context, e es.Envelope) error
}

// FunctionProjection returns a [Projection] named name that hands every event to fn.
func FunctionProjection(name string, fn func(ctx context.Context, e es.Envelope) error) Projection {
	return &functionProjection{name: name, fn: fn}
}

type functionProjection struct {
	name string
	fn   func(ctx context.Context, e es.Envelope) error
}

func (p *functionProjection) Name() string { return p.name }

func (p *functionProjection) Handle(ctx context.Context, e es.Envelope) error {
	return p.fn(ctx, e)
}

// Err reports a nil function; [NewRunner] refuses such a projection.
func (p *functionProjection) Err() error {
	if p.fn == nil {
		return fmt.Errorf("%w: projection.FunctionProjection(%q): the handler function is nil", es.ErrInvalidArgument, p.name)
	}
	return nil
}
