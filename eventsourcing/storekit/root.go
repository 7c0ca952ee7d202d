package storekit

import (
	"reflect"
	"slices"
	"unsafe"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
)

var rootType = reflect.TypeFor[es.AggregateRoot]()

// RootOf returns the es.AggregateRoot embedded in a (by value or by pointer, directly or in an
// embedded struct, exported or not), for tools that work on any aggregate: test fixtures,
// inspectors. It returns nil when a is nil or a nil pointer, or embeds a nil *es.AggregateRoot.
// Applications reach their aggregate's root through its promoted fields and methods.
func RootOf(a es.Aggregate) *es.AggregateRoot {
	if check.IsNil(a) {
		return nil
	}
	v := reflect.ValueOf(a)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	sf, ok := embeddedRoot(v.Type())
	if !ok {
		return nil
	}
	// The path may pass through embedded pointers (nil: no root) and unexported embedded
	// structs, which reflect reads but will not hand out as interfaces: hence the addresses.
	f := v
	for _, i := range sf.Index {
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return nil
			}
			f = f.Elem()
		}
		f = f.Field(i)
	}
	if f.Kind() == reflect.Pointer {
		return (*es.AggregateRoot)(f.UnsafePointer())
	}
	return (*es.AggregateRoot)(unsafe.Pointer(f.UnsafeAddr()))
}

// embeddedRoot finds the shallowest es.AggregateRoot or *es.AggregateRoot embedded in struct type
// t, at any depth: the one whose root() method the aggregate's method set holds. Another type
// of the same name at that depth hides it from FieldByName and VisibleFields, not from methods.
func embeddedRoot(t reflect.Type) (reflect.StructField, bool) {
	type level struct {
		t     reflect.Type
		index []int
	}
	seen := map[reflect.Type]bool{}
	for next := []level{{t, nil}}; len(next) > 0; {
		var below []level
		for _, l := range next {
			if seen[l.t] {
				continue
			}
			seen[l.t] = true
			for i := 0; i < l.t.NumField(); i++ {
				f := l.t.Field(i)
				if !f.Anonymous {
					continue
				}
				f.Index = append(slices.Clip(l.index), i)
				if f.Type == rootType || f.Type == reflect.PointerTo(rootType) {
					return f, true
				}
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					below = append(below, level{ft, f.Index})
				}
			}
		}
		next = below
	}
	return reflect.StructField{}, false
}
