package eventsourcing

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
)

// Aggregate is implemented by pointers to structs that embed [AggregateRoot]. It is sealed: only
// the root's unexported method satisfies it.
type Aggregate interface {
	root() *AggregateRoot
}

// noCopy lets go vet's copylocks check catch aggregates copied by value.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// AggregateRoot is embedded in every aggregate. It holds the aggregate's id, its version (the
// number of events applied or replayed, or restored from a snapshot), the events applied since the
// last save, and the typed handlers registered with [When].
type AggregateRoot struct {
	_ noCopy

	// ID identifies the aggregate.
	ID string
	// Version is the sequence of the last event applied or replayed.
	Version int64

	pending  []any
	applied  []time.Time // when each pending event was applied: its envelope's OccurredAt
	saved    []Envelope  // envelopes of pending events a Save has built, kept for retries while they may be stored
	handlers map[string]handler
	self     Aggregate
	defErr   error // the first mistake in the handler definitions, reported by Apply
}

func (r *AggregateRoot) root() *AggregateRoot { return r }

// handler calls one event handler with a value of its parameter type.
type handler struct {
	name  string // for messages: "es.When" or the method's name
	param reflect.Type
	event string // the event type param names
	call  func(self Aggregate, arg reflect.Value) error
	// replay, when set, decodes a stored payload straight into the parameter type and calls
	// the handler, without reflection: decodeErr when the payload does not decode, else the
	// handler's own error.
	replay func(payload []byte) (decodeErr, err error)
}

// When registers fn as agg's handler for events of type E (named by [EventTypeOf]). Replayed
// events are decoded from JSON into a new E. It also binds the root to agg (see [Init]).
//
// E must be a concrete event type, and each event type has at most one When handler: a handler
// for an interface type (or any), or a second one for the same type, is a mistake in the
// aggregate's definition that [AggregateRoot.Apply] and the repository report as
// [ErrInvalidHandler].
func When[E any](agg Aggregate, fn func(E)) {
	if fn == nil {
		register[E](agg, nil)
		return
	}
	register[E](agg, func(e E) error { fn(e); return nil })
}

// WhenErr is [When] for a handler that can refuse an event: its error leaves the aggregate's
// version and pending events as they were, and Apply returns it inside an [*EventHandlerError].
func WhenErr[E any](agg Aggregate, fn func(E) error) {
	register[E](agg, fn)
}

func register[E any](agg Aggregate, fn func(E) error) {
	r := rootOf(agg)
	if r == nil {
		return // Apply reports the nil root
	}
	r.self = agg
	param := reflect.TypeFor[E]()
	if fn == nil {
		r.defError(fmt.Errorf("%w: %s: es.When for %v with a nil function", ErrInvalidHandler, r.typeName(), param))
		return
	}
	eventType, err := handledType(param)
	if err != nil {
		r.defError(fmt.Errorf("%w: %s: es.When handler: %w", ErrInvalidHandler, r.typeName(), err))
		return
	}
	if r.handlers == nil {
		r.handlers = make(map[string]handler, 4)
	}
	if prev, dup := r.handlers[eventType]; dup {
		r.defError(fmt.Errorf("%w: %s: two es.When handlers for event %q (%v and %v); register one", ErrInvalidHandler, r.typeName(), eventType, prev.param, param))
		return
	}
	r.handlers[eventType] = handler{
		name:  "es.When",
		param: param,
		event: eventType,
		call: func(_ Aggregate, arg reflect.Value) error {
			return fn(arg.Interface().(E))
		},
		replay: func(payload []byte) (error, error) {
			var e E
			if err := json.Unmarshal(payload, &e); err != nil {
				return err, nil
			}
			return nil, fn(e)
		},
	}
}

// defError records the first mistake found in the aggregate's handler definitions.
func (r *AggregateRoot) defError(err error) {
	if r.defErr == nil {
		r.defErr = err
	}
}

// definitionError returns the first mistake in the aggregate's handlers: a When registration
// or its On<EventType> methods.
func (r *AggregateRoot) definitionError() error {
	if r.defErr != nil {
		return r.defErr
	}
	_, err := r.methodSet()
	return err
}

// methodSet returns the On<Name> handlers of the aggregate's type (none while the root is
// unbound), from the per-type cache.
func (r *AggregateRoot) methodSet() (map[string]handler, error) {
	if r.self == nil {
		return nil, nil
	}
	return methodsOf(reflect.TypeOf(r.self))
}

// Init binds an aggregate's root to the aggregate, so that the promoted Apply can reach its
// On<EventType> methods (see [AggregateRoot.Apply] for how they are found), and returns it.
// Constructors that only use methods call it; [When] and the repository bind on their own.
// A nil a, or one that embeds a nil *AggregateRoot (embed AggregateRoot by value), is returned as
// it is; its Apply reports the mistake.
func Init[A Aggregate](a A) A {
	if r := rootOf(a); r != nil {
		r.self = a
	}
	return a
}

// rootOf returns agg's root; nil when agg is nil or its root is behind a nil pointer (an
// embedded nil *AggregateRoot, or a nil pointer to an embedded struct that holds the root, where
// the promoted root() would dereference nil).
func rootOf(agg Aggregate) (r *AggregateRoot) {
	if check.IsNil(agg) {
		return nil
	}
	defer func() {
		if recover() != nil {
			r = nil
		}
	}()
	return agg.root()
}

// errNilRoot is the error of an aggregate that embeds a nil *AggregateRoot.
func errNilRoot(what string) error {
	return invalidArg("%s: the aggregate embeds a nil *es.AggregateRoot; embed es.AggregateRoot by value "+
		"(struct{ es.AggregateRoot; ... })", what)
}

// Apply dispatches event to its handler, then queues it as pending and moves the version by one.
// When there is no handler (ErrNoHandler) or the handler fails, the event is neither queued nor
// counted and the error is an *EventHandlerError.
//
// The handler is the [When] (or [WhenErr]) handler for the event's type, else a method of the
// aggregate On<Name>(E) or On<Name>(E) error, where E is the event's Go type and Name is either
// E's Go type name (OnOpened(Opened)) or its event type written as a method name
// (OnAccountOpened(Opened) for "account.opened"). Such a method handles the event type of E
// ([EventTypeOf]) and also the event type Name itself, so that OnOpened(Opened) replays events
// stored as "Opened" as well as "account.opened" (unless another method's E has the event type
// Name). Any other On… method is not a handler. Two
// methods for one event type, a method named after a parameter type that names no event (an
// interface, or an EventType method that panics on a zero value), or a When handler for an
// interface type make every Apply fail with [ErrInvalidHandler]; [NewRepository] reports it when
// it is built.
func (r *AggregateRoot) Apply(event any) error {
	if r == nil {
		return errNilRoot("Apply")
	}
	if check.IsNil(event) {
		return invalidArg("event: must not be nil")
	}
	if err := r.dispatch(EventTypeOf(event), func(h handler) error {
		v, err := convertEvent(event, h.param)
		if err != nil {
			return err
		}
		return h.call(r.self, v)
	}); err != nil {
		return err
	}
	r.pending = append(r.pending, event)
	r.applied = append(r.applied, time.Now())
	return nil
}

// Replay dispatches a stored event: its payload is decoded into the handler's parameter type. The
// version moves by one; nothing is queued.
func (r *AggregateRoot) Replay(e Envelope) error {
	if r == nil {
		return errNilRoot("Replay")
	}
	return r.dispatch(e.EventType, func(h handler) error {
		decodeErr := func(err error) error {
			return fmt.Errorf("%w: payload of event %s does not decode into %v: %v", ErrDecode, e.EventID, h.param, err)
		}
		if h.replay != nil {
			derr, err := h.replay(e.Payload)
			if derr != nil {
				return decodeErr(derr)
			}
			return err
		}
		ptr := reflect.New(h.param)
		if err := json.Unmarshal(e.Payload, ptr.Interface()); err != nil {
			return decodeErr(err)
		}
		return h.call(r.self, ptr.Elem())
	})
}

// PendingEvents returns a copy of the events applied since the last save.
func (r *AggregateRoot) PendingEvents() []any {
	if r == nil {
		return nil
	}
	return append([]any(nil), r.pending...)
}

// MarkCommitted clears the pending events; the version stays.
func (r *AggregateRoot) MarkCommitted() {
	if r != nil {
		r.pending, r.applied, r.saved = nil, nil, nil
	}
}

// uncommit puts events back in front of the pending ones, with the times they were applied and
// the envelopes a Save built for them: a transaction that held their append did not commit. The
// version already counts them.
func (r *AggregateRoot) uncommit(events []any, applied []time.Time, envs []Envelope) {
	r.pending = append(slices.Clip(events), r.pending...)
	r.applied = append(slices.Clip(applied), r.applied...)
	r.saved = append(slices.Clip(envs), r.saved...)
}

// dispatch finds the handler of eventType and runs it through run; the version moves by one when
// run succeeds.
func (r *AggregateRoot) dispatch(eventType string, run func(h handler) error) error {
	if r.defErr != nil {
		return r.defErr
	}
	methods, err := r.methodSet()
	if err != nil {
		return err
	}
	h, ok := r.handlers[eventType]
	if !ok {
		h, ok = methods[eventType]
		// A method found by its name (OnOpened for "Opened" when Opened's event type is
		// "account.opened") gives way to a When handler for the same event.
		if ok && h.event != eventType {
			if w, when := r.handlers[h.event]; when {
				h = w
			}
		}
	}
	if !ok {
		return r.noHandler(eventType)
	}
	if err := run(h); err != nil {
		return &EventHandlerError{EventType: eventType, AggregateType: r.typeName(), Err: err}
	}
	r.Version++
	return nil
}

func (r *AggregateRoot) noHandler(eventType string) error {
	e := &EventHandlerError{EventType: eventType, AggregateType: r.typeName(), Err: ErrNoHandler}
	if r.self == nil {
		e.msg = fmt.Sprintf("eventsourcing: no handler for event %q: the aggregate root is not bound to its aggregate; "+
			"call es.Init(agg) in the constructor (or register handlers with es.When) so On%s methods can be found",
			eventType, methodSuffix(eventType))
	} else {
		e.msg = fmt.Sprintf("eventsourcing: no handler for event %q on %s (register one with es.When or define a method On%s)",
			eventType, r.typeName(), methodSuffix(eventType))
	}
	return e
}

func (r *AggregateRoot) typeName() string {
	if r.self == nil {
		return "AggregateRoot"
	}
	return typeNameOf(reflect.TypeOf(r.self))
}

// convertEvent turns an applied event into the handler's parameter type: as is, through a
// pointer, or (for another Go type of the same event type) through JSON.
func convertEvent(event any, param reflect.Type) (reflect.Value, error) {
	v := reflect.ValueOf(event)
	switch {
	case v.Type().AssignableTo(param):
		return v, nil
	case v.Kind() == reflect.Pointer && v.Type().Elem().AssignableTo(param):
		return v.Elem(), nil
	case param.Kind() == reflect.Pointer && v.Type().AssignableTo(param.Elem()):
		p := reflect.New(param.Elem())
		p.Elem().Set(v)
		return p, nil
	}
	raw, err := json.Marshal(event)
	if err != nil {
		return reflect.Value{}, fmt.Errorf("%w: event %T does not encode as JSON: %v", ErrDecode, event, err)
	}
	ptr := reflect.New(param)
	if err := json.Unmarshal(raw, ptr.Interface()); err != nil {
		return reflect.Value{}, fmt.Errorf("%w: event %T does not decode into %v: %v", ErrDecode, event, param, err)
	}
	return ptr.Elem(), nil
}

// typeNameOf is a type's name without pointers or package.
func typeNameOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
