package eventsourcing

import (
	"reflect"

	"github.com/gofly/eventsourcing/internal/check"
)

// EventTyper is implemented by events that name their own type.
type EventTyper interface {
	EventType() string
}

// EventTypeOf names an event: e.EventType() when e implements [EventTyper], else the unqualified
// Go type name ("OrderPlaced"), pointer or not.
func EventTypeOf(e any) string {
	if t, ok := e.(EventTyper); ok && !check.IsNil(e) {
		return t.EventType()
	}
	rt := reflect.TypeOf(e)
	if rt == nil {
		return ""
	}
	return eventTypeOfType(rt)
}

// eventTypeOfType names the event type rt the way EventTypeOf names its values.
func eventTypeOfType(rt reflect.Type) string {
	base := rt
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	typer := reflect.TypeFor[EventTyper]()
	switch {
	case base.Implements(typer):
		return reflect.Zero(base).Interface().(EventTyper).EventType()
	case reflect.PointerTo(base).Implements(typer):
		return reflect.New(base).Interface().(EventTyper).EventType()
	}
	return base.Name()
}
