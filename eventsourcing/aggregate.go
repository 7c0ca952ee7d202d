package eventsourcing

import (
	"encoding/json"
	"fmt"
	"reflect"
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
	handlers map[string]handler
	self     Aggregate
}

func (r *AggregateRoot) root() *AggregateRoot { return r }

// handler calls one event handler with a value of its parameter type.
type handler struct {
	param reflect.Type
	call  func(self Aggregate, arg reflect.Value) error
}

// When registers fn as agg's handler for events of type E (named by [EventTypeOf]), replacing an
// earlier one. Replayed events are decoded from JSON into a new E. It also binds the root to agg
// (see [Init]).
func When[E any](agg Aggregate, fn func(E)) {
	r := agg.root()
	r.self = agg
	if r.handlers == nil {
		r.handlers = make(map[string]handler, 4)
	}
	param := reflect.TypeFor[E]()
	r.handlers[eventTypeOfType(param)] = handler{
		param: param,
		call: func(_ Aggregate, arg reflect.Value) error {
			fn(arg.Interface().(E))
			return nil
		},
	}
}

// Init binds an aggregate's root to the aggregate, so that the promoted Apply can reach its
// On<EventType> methods, and returns it. Constructors that only use methods call it; [When] and the
// repository bind on their own.
func Init[A Aggregate](a A) A {
	a.root().self = a
	return a
}

// Apply dispatches event to its handler, then queues it as pending and moves the version by one.
// When there is no handler (ErrNoHandler) or the handler fails, the event is neither queued nor
// counted and the error is an *EventHandlerError.
func (r *AggregateRoot) Apply(event any) error {
	if isNil(event) {
		return invalidArg("event: must not be nil")
	}
	if err := r.dispatch(EventTypeOf(event), func(param reflect.Type) (reflect.Value, error) {
		return convertEvent(event, param)
	}); err != nil {
		return err
	}
	r.pending = append(r.pending, event)
	return nil
}

// Replay dispatches a stored event: its payload is decoded into the handler's parameter type. The
// version moves by one; nothing is queued.
func (r *AggregateRoot) Replay(e Envelope) error {
	return r.dispatch(e.EventType, func(param reflect.Type) (reflect.Value, error) {
		ptr := reflect.New(param)
		if err := json.Unmarshal(e.Payload, ptr.Interface()); err != nil {
			return reflect.Value{}, fmt.Errorf("%w: payload of event %s does not decode into %v: %v", ErrDecode, e.EventID, param, err)
		}
		return ptr.Elem(), nil
	})
}

// PendingEvents returns a copy of the events applied since the last save.
func (r *AggregateRoot) PendingEvents() []any {
	return append([]any(nil), r.pending...)
}

// MarkCommitted clears the pending events; the version stays.
func (r *AggregateRoot) MarkCommitted() { r.pending = nil }

func (r *AggregateRoot) dispatch(eventType string, arg func(reflect.Type) (reflect.Value, error)) error {
	h, ok := r.handlers[eventType]
	if !ok && r.self != nil {
		h, ok = methodsOf(reflect.TypeOf(r.self))[eventType]
	}
	if !ok {
		return r.noHandler(eventType)
	}
	v, err := arg(h.param)
	if err == nil {
		err = h.call(r.self, v)
	}
	if err != nil {
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

// RootOf returns the aggregate's embedded root, for tools that work on any aggregate.
func RootOf(a Aggregate) *AggregateRoot { return a.root() }
