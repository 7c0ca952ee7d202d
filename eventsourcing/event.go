package eventsourcing

import (
	"reflect"
	"strings"

	"github.com/gofly/eventsourcing/internal/check"
)

// EventTyper is implemented by events that name their own type.
type EventTyper interface {
	EventType() string
}

// EventTypeOf names an event: e.EventType() when e implements [EventTyper], else the unqualified
// Go type name ("OrderPlaced"), pointer or not. The type arguments of a generic type are
// unqualified too: Wrapped[Inc], not Wrapped[example.com/app.Inc].
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
	return unqualified(base.Name())
}

// unqualified strips the package paths from the type names in name, the name reflect gives a
// type: "Wrapped[example.com/app.Inc]" becomes "Wrapped[Inc]", type arguments nested at any depth
// too. Text in quotes (struct tags) is kept as it is.
func unqualified(name string) string {
	if !strings.ContainsRune(name, '[') {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	start := 0 // the start of the current qualified identifier
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '"', '`':
			end := quotedEnd(name, i)
			b.WriteString(name[i:end])
			i = end - 1
			start = end
			continue
		case '[', ']', ',', ' ', '*', '(', ')', '{', '}', ';':
		default:
			continue
		}
		b.WriteString(lastElement(name[start:i]))
		b.WriteByte(c)
		start = i + 1
	}
	b.WriteString(lastElement(name[start:]))
	return b.String()
}

// lastElement is a qualified identifier without its package path: "example.com/app.Inc" → "Inc".
func lastElement(ident string) string {
	if i := strings.LastIndexByte(ident, '.'); i >= 0 {
		return ident[i+1:]
	}
	return ident
}

// quotedEnd returns the index after the quoted text that starts at s[i].
func quotedEnd(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && q == '"':
			j++
		case s[j] == q:
			return j + 1
		}
	}
	return len(s)
}
