package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/errs"
)

// Typed is a [Projection] that routes events by type to handlers registered with [On], each
// receiving the payload decoded into its parameter type. Events without a handler pass: Handle
// returns nil for them. Register every handler before the runner starts; Typed is safe for
// concurrent Handle calls once built.
//
//	t := projection.NewTyped("orders_view")
//	projection.On(t, func(ctx context.Context, e OrderPlaced, env es.Envelope) error { … })
//	projection.On(t, func(ctx context.Context, e OrderShipped, env es.Envelope) error { … })
type Typed struct {
	name     string
	handlers map[string]func(ctx context.Context, env es.Envelope) error
	err      error
}

// NewTyped returns a typed projection named name with no handlers yet.
func NewTyped(name string) *Typed {
	return &Typed{name: name, handlers: map[string]func(context.Context, es.Envelope) error{}}
}

// On registers fn for events of type es.EventTypeOf(E): the payload is decoded from JSON into an
// E (a pointer type gets a fresh value) and handed to fn with its envelope. A payload that does
// not decode is an error matching es.ErrDecode, which stops the runner at that event like any
// handler error: it is never skipped. A second handler for the same event type, an interface
// parameter type or a nil fn is a mistake that [Typed.Err] reports and [NewRunner] refuses
// (matching es.ErrInvalidHandler).
func On[E any](t *Typed, fn func(ctx context.Context, e E, env es.Envelope) error) {
	if t == nil || t.err != nil {
		return
	}
	param := reflect.TypeFor[E]()
	eventType := ""
	if param.Kind() != reflect.Interface {
		var zero E
		eventType = es.EventTypeOf(zero)
	}
	switch {
	case fn == nil:
		t.err = fmt.Errorf("%w: projection %q: the handler for %v is nil", es.ErrInvalidHandler, t.name, param)
		return
	case param.Kind() == reflect.Interface:
		t.err = fmt.Errorf("%w: projection %q: a handler's event parameter must be a concrete type, got interface %v",
			es.ErrInvalidHandler, t.name, param)
		return
	case eventType == "":
		t.err = fmt.Errorf("%w: projection %q: %v has no event type name (use a named type or give it an EventType method)",
			es.ErrInvalidHandler, t.name, param)
		return
	}
	if _, dup := t.handlers[eventType]; dup {
		t.err = fmt.Errorf("%w: projection %q: two handlers for event type %q", es.ErrInvalidHandler, t.name, eventType)
		return
	}
	t.handlers[eventType] = func(ctx context.Context, env es.Envelope) error {
		var e E
		if err := json.Unmarshal(env.Payload, &e); err != nil {
			return fmt.Errorf("%w: projection %q: payload of event %s (%s at position %d) does not decode into %v: %w",
				es.ErrDecode, t.name, env.EventID, env.EventType, env.GlobalPosition, param, err)
		}
		return fn(ctx, e, env)
	}
}

// Name implements [Projection].
func (t *Typed) Name() string { return t.name }

// Handle implements [Projection]: the handler of e's event type, or nil when it has none.
func (t *Typed) Handle(ctx context.Context, e es.Envelope) error {
	if t.err != nil {
		return t.err
	}
	h, ok := t.handlers[e.EventType]
	if !ok {
		return nil
	}
	return h(ctx, e)
}

// Handles reports whether an event type has a handler.
func (t *Typed) Handles(eventType string) bool {
	_, ok := t.handlers[eventType]
	return ok
}

// Err reports the first mistake made registering handlers, or nil.
func (t *Typed) Err() error {
	if t == nil {
		return errs.Invalid("projection: the typed projection is nil")
	}
	return t.err
}
