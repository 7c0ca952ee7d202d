package eventsourcing

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// SnapshotMarshaler is implemented by aggregates that encode their own snapshot state.
type SnapshotMarshaler interface {
	MarshalSnapshot() ([]byte, error)
}

// SnapshotUnmarshaler is implemented by aggregates that decode their own snapshot state.
type SnapshotUnmarshaler interface {
	UnmarshalSnapshot([]byte) error
}

var rootType = reflect.TypeFor[AggregateRoot]()

// checkSnapshotable refuses, at wiring time, an aggregate type whose state JSON would lose data:
// unexported fields, or chan and func fields, that JSON does not carry.
func checkSnapshotable(agg Aggregate) error {
	_, m := agg.(SnapshotMarshaler)
	_, u := agg.(SnapshotUnmarshaler)
	if m && u {
		return nil
	}
	if m != u {
		return invalidArg("%T: implement both MarshalSnapshot and UnmarshalSnapshot, or neither", agg)
	}
	t := reflect.TypeOf(agg)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type == rootType || f.Tag.Get("json") == "-" {
			continue
		}
		if !f.IsExported() {
			return invalidArg("%v: snapshots would lose unexported field %s; export it, tag it `json:\"-\"`, or implement MarshalSnapshot and UnmarshalSnapshot", t, f.Name)
		}
		switch f.Type.Kind() {
		case reflect.Chan, reflect.Func, reflect.UnsafePointer:
			return invalidArg("%v: field %s (%v) cannot be stored in a JSON snapshot; tag it `json:\"-\"` or implement MarshalSnapshot and UnmarshalSnapshot", t, f.Name, f.Type)
		}
	}
	return nil
}

func marshalSnapshot(agg Aggregate) ([]byte, error) {
	if m, ok := agg.(SnapshotMarshaler); ok {
		b, err := m.MarshalSnapshot()
		if err != nil {
			return nil, fmt.Errorf("MarshalSnapshot: %w", err)
		}
		return b, nil
	}
	return json.Marshal(agg)
}

func unmarshalSnapshot(agg Aggregate, b []byte) error {
	if u, ok := agg.(SnapshotUnmarshaler); ok {
		if err := u.UnmarshalSnapshot(b); err != nil {
			return fmt.Errorf("%w: UnmarshalSnapshot: %w", ErrDecode, err)
		}
		return nil
	}
	if err := json.Unmarshal(b, agg); err != nil {
		return fmt.Errorf("%w: snapshot state: %v", ErrDecode, err)
	}
	return nil
}
