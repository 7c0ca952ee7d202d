package storekit

import (
	"reflect"
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
	sf, ok := v.Type().FieldByName(rootType.Name())
	if !ok || !sf.Anonymous || (sf.Type != rootType && sf.Type != reflect.PointerTo(rootType)) {
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
