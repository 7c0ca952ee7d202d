package storekit

import (
	"reflect"
	"unsafe"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

var rootType = reflect.TypeFor[es.AggregateRoot]()

// RootOf returns the AggregateRoot embedded in a, for tools that work on any aggregate (test
// fixtures, inspectors), or nil when a is nil.
func RootOf(a es.Aggregate) *es.AggregateRoot {
	v := reflect.ValueOf(a)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return nil
	}
	return findRoot(v.Elem())
}

// findRoot looks for the embedded root in struct v, breadth first as Go promotes fields.
func findRoot(v reflect.Value) *es.AggregateRoot {
	queue := []reflect.Value{v}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur.Kind() != reflect.Struct {
			continue
		}
		t := cur.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.Anonymous {
				continue
			}
			fv := cur.Field(i)
			// Embedded fields may be unexported (an embedded lower-case struct): reach them by
			// address, as the promoted methods do.
			switch {
			case f.Type == rootType:
				return (*es.AggregateRoot)(unsafe.Pointer(fv.UnsafeAddr()))
			case f.Type.Kind() == reflect.Pointer && f.Type.Elem() == rootType:
				return (*es.AggregateRoot)(unsafe.Pointer(fv.Pointer()))
			case f.Type.Kind() == reflect.Struct:
				queue = append(queue, fv)
			case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct && !fv.IsNil():
				queue = append(queue, fv.Elem())
			}
		}
	}
	return nil
}
