package eventsourcing

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// methodSet is the On<Name> handlers of one aggregate type, or the mistake that makes them unusable.
type methodSet struct {
	byType map[string]handler
	err    error
}

// methodCache memoises the method set of each aggregate type. It holds only values derived from
// types, never per-application state.
var methodCache sync.Map // reflect.Type -> methodSet

var errorType = reflect.TypeFor[error]()

// methodsOf returns the On<Name> handlers of t keyed by the event type they handle, found once per
// type (see AggregateRoot.Apply for the rule), or an error matching ErrInvalidHandler when two
// methods handle one event type or one named after its parameter's type cannot name its event.
func methodsOf(t reflect.Type) (map[string]handler, error) {
	if m, ok := methodCache.Load(t); ok {
		ms := m.(methodSet)
		return ms.byType, ms.err
	}
	ms := discoverMethods(t)
	actual, _ := methodCache.LoadOrStore(t, ms)
	ms = actual.(methodSet)
	return ms.byType, ms.err
}

func discoverMethods(t reflect.Type) methodSet {
	m := make(map[string]handler)
	aliases := make(map[string]handler) // On<Name> also handles event type Name
	for i := 0; i < t.NumMethod(); i++ {
		meth := t.Method(i)
		name, ok := strings.CutPrefix(meth.Name, "On")
		if !ok || name == "" {
			continue
		}
		ft := meth.Type // the receiver is the first parameter
		if ft.NumIn() != 2 || ft.NumOut() > 1 || (ft.NumOut() == 1 && ft.Out(0) != errorType) {
			continue
		}
		param := ft.In(1)
		eventType, claims, err := claimedEvent(name, param)
		if !claims {
			continue // OnboardUser(Greeted) and OnItems([]string) are not handlers
		}
		if err != nil {
			return methodSet{err: fmt.Errorf("%w: %s.%s: %w", ErrInvalidHandler, typeNameOf(t), meth.Name, err)}
		}
		if prev, dup := m[eventType]; dup {
			return methodSet{err: fmt.Errorf("%w: %s has two handlers for event %q, %s and %s; keep one",
				ErrInvalidHandler, typeNameOf(t), eventType, prev.name, meth.Name)}
		}
		h := methodHandler(meth, param, eventType, ft.NumOut() == 1)
		m[eventType] = h
		if name != eventType {
			aliases[name] = h
		}
	}
	// An event type a method is named after goes to that method unless another one claims it as
	// its parameter's event type.
	for name, h := range aliases {
		if _, taken := m[name]; !taken {
			m[name] = h
		}
	}
	return methodSet{byType: m}
}

func methodHandler(meth reflect.Method, param reflect.Type, eventType string, returnsErr bool) handler {
	fn := meth.Func
	return handler{
		name:  meth.Name,
		param: param,
		event: eventType,
		call: func(self Aggregate, arg reflect.Value) error {
			out := fn.Call([]reflect.Value{reflect.ValueOf(self), arg})
			if returnsErr && !out[0].IsNil() {
				return out[0].Interface().(error)
			}
			return nil
		},
	}
}

// claimedEvent reports whether a method On<name>(param) claims an event, and which: it does when
// name is param's Go type name (OnOpened(Opened)), or when param names an event type that name
// spells as a method name (OnAccountOpened(Opened) for "account.opened"). Only a method named
// after its parameter's type can be a mistake: err says why that type names no event (an
// interface, no name, an EventType method that panics on a zero value). Any other method is
// simply not a handler.
func claimedEvent(name string, param reflect.Type) (eventType string, claims bool, err error) {
	eventType, err = handledType(param)
	if name == typeNameOf(param) {
		return eventType, true, err
	}
	if err != nil || name != methodSuffix(eventType) {
		return "", false, nil
	}
	return eventType, true, nil
}

// handledType names the event type a handler with parameter type param handles. An interface
// type, or a type whose EventType method panics on its zero value, is an error.
func handledType(param reflect.Type) (name string, err error) {
	if param.Kind() == reflect.Interface {
		return "", fmt.Errorf("it takes %v, an interface; a handler takes a concrete event type", param)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v.EventType() panicked on a zero value: %v", param, p)
		}
	}()
	name = eventTypeOfType(param)
	if name == "" {
		return "", fmt.Errorf("%v has no name: give it one, or an EventType method", param)
	}
	return name, nil
}

// methodSuffix writes an event type as a method name suffix: "account.opened" → "AccountOpened".
func methodSuffix(eventType string) string {
	var b strings.Builder
	upper := true
	for _, r := range eventType {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "<EventType>"
	}
	s := b.String()
	if r, _ := utf8.DecodeRuneInString(s); unicode.IsDigit(r) {
		return "_" + s
	}
	return s
}
