package eventsourcing

import (
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// methodCache memoises the On<EventType> methods of each aggregate type. It holds only values
// derived from types, never per-application state.
var methodCache sync.Map // reflect.Type -> map[string]handler

var errorType = reflect.TypeFor[error]()

// methodsOf returns the On<Name> handlers of t, found once per type: methods On<Name>(E) or
// On<Name>(E) error, keyed by Name and by EventTypeOf(E).
func methodsOf(t reflect.Type) map[string]handler {
	if m, ok := methodCache.Load(t); ok {
		return m.(map[string]handler)
	}
	m := make(map[string]handler)
	for i := 0; i < t.NumMethod(); i++ {
		meth := t.Method(i)
		if !strings.HasPrefix(meth.Name, "On") || len(meth.Name) == 2 {
			continue
		}
		ft := meth.Type // receiver is the first parameter
		if ft.NumIn() != 2 || ft.NumOut() > 1 || (ft.NumOut() == 1 && ft.Out(0) != errorType) {
			continue
		}
		fn := meth.Func
		returnsErr := ft.NumOut() == 1
		h := handler{
			param: ft.In(1),
			call: func(self Aggregate, arg reflect.Value) error {
				out := fn.Call([]reflect.Value{reflect.ValueOf(self), arg})
				if returnsErr && !out[0].IsNil() {
					return out[0].Interface().(error)
				}
				return nil
			},
		}
		m[meth.Name[2:]] = h
		if name := eventTypeOfType(h.param); name != "" {
			if _, taken := m[name]; !taken {
				m[name] = h
			}
		}
	}
	actual, _ := methodCache.LoadOrStore(t, m)
	return actual.(map[string]handler)
}

// methodSuffix suggests the method name suffix for an event type: "account.opened" → "AccountOpened".
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
