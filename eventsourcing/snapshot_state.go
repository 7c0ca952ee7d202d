package eventsourcing

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// SnapshotMarshaler is implemented by aggregates that encode their own snapshot state.
type SnapshotMarshaler interface {
	MarshalSnapshot() ([]byte, error)
}

// SnapshotUnmarshaler is implemented by aggregates that decode their own snapshot state.
type SnapshotUnmarshaler interface {
	UnmarshalSnapshot([]byte) error
}

var (
	rootType          = reflect.TypeFor[AggregateRoot]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// checkSnapshotable refuses, at wiring time, an aggregate type whose state JSON would lose data:
// unexported fields, fields that JSON cannot write (chan, func, complex numbers, maps with keys
// it cannot name), or fields that another field of the same JSON name hides, at any depth
// (struct fields, pointers, slices, arrays, map values). A type that encodes itself
// (json.Marshaler or encoding.TextMarshaler, such as time.Time) is taken as it is.
//
// With strict false (snapshots nobody asked for by name, [WithSnapshotsWhenLossless]) an
// interface field counts as lost too: JSON brings it back as maps, slices, strings and float64,
// not as the type it held. A definition mistake (one of the two methods alone) is an error either
// way; lost state is a *lossyStateError.
func checkSnapshotable(agg Aggregate, strict bool) error {
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
	w := lossWalk{seen: make(map[reflect.Type]bool), interfaces: !strict}
	if path, why := w.typ(t, ""); why != "" {
		return &lossyStateError{invalidArg("%v: a JSON snapshot would lose field %s: %s; export it, tag it `json:\"-\"`, "+
			"or implement MarshalSnapshot and UnmarshalSnapshot", t, path, why)}
	}
	return nil
}

// lossyStateError is checkSnapshotable's error for state a JSON snapshot would lose.
type lossyStateError struct{ error }

func (e *lossyStateError) Unwrap() error { return e.error }

// encodesItself reports whether JSON encodes values of type t through their own method.
func encodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType) ||
		p.Implements(jsonMarshalerType) || p.Implements(textMarshalerType)
}

// lossWalk looks through types for state a JSON snapshot would lose, each struct type once;
// with interfaces, interface types count as lost.
type lossWalk struct {
	seen       map[reflect.Type]bool
	interfaces bool
}

// typ returns the path below path of the first part of t that JSON would lose, and why; "" when
// there is none.
func (w *lossWalk) typ(t reflect.Type, path string) (string, string) {
	if encodesItself(t) {
		return "", ""
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return path, fmt.Sprintf("JSON cannot store a %v", t)
	case reflect.Interface:
		if w.interfaces {
			return path, fmt.Sprintf("an interface field (%v) comes back from JSON as what JSON decodes (maps, float64...), "+
				"not as the type it held (es.WithSnapshots takes such fields as they are)", t)
		}
	case reflect.Pointer:
		return w.typ(t.Elem(), path)
	case reflect.Slice, reflect.Array:
		return w.typ(t.Elem(), path+"[i]")
	case reflect.Map:
		switch k := t.Key(); {
		case k.Kind() == reflect.String, k.Implements(textMarshalerType):
		case k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return path, fmt.Sprintf("JSON cannot name a map key of type %v", k)
		}
		return w.typ(t.Elem(), path+"[k]")
	case reflect.Struct:
		if w.seen[t] {
			return "", ""
		}
		w.seen[t] = true
		fields, lost := structFields(t)
		if len(lost) > 0 {
			return join(path, lost[0].path), lost[0].lost
		}
		for _, f := range fields {
			if p, why := w.typ(f.typ, join(path, f.path)); why != "" {
				return p, why
			}
		}
	}
	return "", ""
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// structField is a field of a struct type as encoding/json sees it.
type structField struct {
	name   string       // its JSON key
	path   string       // its Go path, for messages: "Balance" or "embedded.Visible"
	index  []int        // for reflect.Value.FieldByIndex
	typ    reflect.Type // its type
	tagged bool         // named by its json tag
	root   bool         // a field of the embedded [AggregateRoot]: in the JSON, not state
	lost   string       // why JSON does not carry it, "" when it does
}

// structFields returns the fields encoding/json writes and reads for struct type t (exported
// fields, and the promoted fields of embedded structs, without `json:"-"` ones, the dominant one
// of each JSON name), and the fields it loses, each with the reason. The root
// ([AggregateRoot], embedded by value or by pointer) is neither: it is the aggregate's machinery,
// whose exported fields (ID, Version) JSON writes too, so that a state field of the same JSON
// name at the same depth is lost (JSON drops both).
func structFields(t reflect.Type) (fields, lost []structField) {
	var all []structField
	collectFields(t, nil, "", map[reflect.Type]bool{}, &all, &lost)
	// The dominant field of each name: the shallowest, and of several at that depth the only
	// tagged one; else JSON drops them all (encoding/json's rule).
	byName := make(map[string][]structField, len(all))
	for _, f := range all {
		byName[f.name] = append(byName[f.name], f)
	}
	for _, f := range all {
		switch {
		case f.root:
		case dominant(byName[f.name], f):
			fields = append(fields, f)
		default:
			f.lost = fmt.Sprintf("another field has its JSON name %q", f.name)
			if slices.ContainsFunc(byName[f.name], func(o structField) bool { return o.root }) {
				f.lost = fmt.Sprintf("the embedded AggregateRoot's field has its JSON name %q; rename it or tag it `json:\"...\"`", f.name)
			}
			lost = append(lost, f)
		}
	}
	return fields, lost
}

// dominant reports whether f is the field JSON uses among same, the fields of its JSON name.
func dominant(same []structField, f structField) bool {
	for _, o := range same {
		if slices.Equal(o.index, f.index) {
			continue
		}
		switch {
		case len(o.index) < len(f.index):
			return false
		case len(o.index) == len(f.index) && (o.tagged == f.tagged || o.tagged):
			return false
		}
	}
	return true
}

// collectFields adds the fields of struct type t, at index and Go path, to all, and those JSON
// loses to lost; seen holds the embedded struct types on the way, against embedding loops.
func collectFields(t reflect.Type, index []int, path string, seen map[reflect.Type]bool, all, lost *[]structField) {
	if seen[t] {
		return
	}
	seen[t] = true
	defer delete(seen, t)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" || sf.Name == "_" {
			continue // not state: tagged out, a blank field
		}
		if sf.Anonymous && (sf.Type == rootType || sf.Type == reflect.PointerTo(rootType)) {
			addRootFields(append(slices.Clip(index), i), tag, all)
			continue // the root: not state, but its JSON names hide others
		}
		f := structField{path: join(path, sf.Name), index: append(slices.Clip(index), i), typ: sf.Type}
		ft := sf.Type
		if ft.Name() == "" && ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case sf.Anonymous && !sf.IsExported() && ft.Kind() != reflect.Struct:
			f.lost = "JSON ignores an unexported embedded field"
		case sf.Anonymous && !sf.IsExported() && sf.Type.Kind() == reflect.Pointer:
			f.lost = "JSON cannot set an embedded pointer to an unexported struct type"
		case !sf.Anonymous && !sf.IsExported():
			f.lost = "JSON ignores an unexported field"
		}
		if f.lost != "" {
			*lost = append(*lost, f)
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			collectFields(ft, f.index, f.path, seen, all, lost)
			continue
		}
		f.tagged = name != ""
		if name == "" {
			name = sf.Name
		}
		f.name = name
		*all = append(*all, f)
	}
}

// addRootFields adds what JSON writes of the [AggregateRoot] embedded at index with json tag tag
// to all, as root fields: the one key the tag names, else the root's exported fields, named as in
// Go (they have no tags).
func addRootFields(index []int, tag string, all *[]structField) {
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		*all = append(*all, structField{name: name, path: rootType.Name(), index: index, typ: rootType, tagged: true, root: true})
		return
	}
	for j := 0; j < rootType.NumField(); j++ {
		if rf := rootType.Field(j); rf.IsExported() {
			*all = append(*all, structField{name: rf.Name, path: rf.Name, index: append(slices.Clip(index), j), typ: rf.Type, root: true})
		}
	}
}

// snapshotFields are the index paths of the fields a JSON snapshot of struct type typ covers
// (see structFields): found once per repository, used at every snapshot load.
type snapshotFields struct {
	typ   reflect.Type
	index [][]int
}

// stateValue returns the struct agg points to, false when there is none.
func stateValue(agg Aggregate) (reflect.Value, bool) {
	v := reflect.ValueOf(agg)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.Kind() == reflect.Struct
}

// snapshotFieldsOf returns the snapshot fields of agg's struct type.
func snapshotFieldsOf(agg Aggregate) snapshotFields {
	v, ok := stateValue(agg)
	if !ok {
		return snapshotFields{}
	}
	fields, _ := structFields(v.Type())
	out := snapshotFields{typ: v.Type(), index: make([][]int, len(fields))}
	for i, f := range fields {
		out.index[i] = f.index
	}
	return out
}

// resetSnapshotFields sets to their zero value the fields of agg that its JSON snapshot covers, so
// that decoding a snapshot gives the state it was taken from whatever the factory filled in (maps
// it would merge into, defaults of fields the snapshot omits). The root and `json:"-"` fields stay
// as the factory set them. known holds the fields of the repository's aggregate type; another
// type's are found now.
func resetSnapshotFields(agg Aggregate, known snapshotFields) {
	v, ok := stateValue(agg)
	if !ok {
		return
	}
	if v.Type() != known.typ {
		known = snapshotFieldsOf(agg)
	}
	for _, index := range known.index {
		// A nil embedded pointer on the way is an error here, not a panic: nothing to reset.
		if fv, err := v.FieldByIndexErr(index); err == nil && fv.CanSet() {
			fv.SetZero()
		}
	}
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

// unmarshalSnapshot decodes b into agg, a new aggregate from the factory: through its
// UnmarshalSnapshot, else as JSON into the fields the snapshot covers, reset first (see
// resetSnapshotFields) unless agg decodes JSON itself.
func unmarshalSnapshot(agg Aggregate, b []byte, fields snapshotFields) error {
	if u, ok := agg.(SnapshotUnmarshaler); ok {
		if err := u.UnmarshalSnapshot(b); err != nil {
			return fmt.Errorf("%w: UnmarshalSnapshot: %w", ErrDecode, err)
		}
		return nil
	}
	if _, ok := agg.(json.Unmarshaler); !ok {
		resetSnapshotFields(agg, fields)
	}
	if err := json.Unmarshal(b, agg); err != nil {
		return fmt.Errorf("%w: snapshot state: %v", ErrDecode, err)
	}
	return nil
}
