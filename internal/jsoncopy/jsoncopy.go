// Package jsoncopy deep-copies the values encoding/json decodes into (maps, slices, raw JSON) and
// normalises metadata to the form JSON gives back.
package jsoncopy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of maps and lists, in levels, that encoding/json decodes and
// that the walks of this package go down: a deeper map or list is shared by the copies and is
// not plain.
const MaxDepth = 10000

// Raw returns a copy of b; nil stays nil.
func Raw(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(make([]byte, 0, len(b))), b...)
}

// Map returns a deep copy of m; nil stays nil. See [Value] for what it does not copy.
func Map(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	if scalars(m) {
		return maps.Clone(m)
	}
	var c copier
	return c.object(m, 1)
}

// Value deep-copies the maps, slices and arrays inside v, of any key and element type
// (map[string]string, []string, [][]int, named types...), keeping their Go types; other values
// (structs, pointers, scalars) are returned as they are. The copy is bounded: a map or list found
// inside itself (a cycle) is not copied again but shared, so the copy holds the original where
// the cycle closes, and maps and lists nested deeper than [MaxDepth] levels (deeper than any
// store keeps or reads back) are shared, not copied. Neither can make it recurse without end.
func Value(v any) any {
	var c copier
	return c.value(v, 0)
}

// copier deep-copies, keeping the maps and lists on its path.
type copier struct{ path Path }

// object copies m, a map at nesting level depth.
func (c *copier) object(m map[string]any, depth int) map[string]any {
	if m == nil || depth > MaxDepth || !c.path.Enter(m) {
		return m
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = c.value(v, depth)
	}
	c.path.Leave()
	return out
}

// value copies v, found in a map or list at nesting level depth (0 for a value on its own).
func (c *copier) value(v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		return c.object(x, depth+1)
	case []any:
		if depth+1 > MaxDepth || !c.path.Enter(x) {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = c.value(e, depth+1)
		}
		c.path.Leave()
		return out
	case json.RawMessage:
		return Raw(x)
	case []byte:
		return append([]byte(nil), x...)
	case nil, string, bool, float64, int, int64:
		return v
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Map, reflect.Slice, reflect.Array:
			return c.reflected(rv, depth).Interface()
		}
		return v
	}
}

// reflected copies rv, found in a map or list at nesting level depth, as value does: maps,
// slices and arrays of any type are copied element by element, keeping their types.
func (c *copier) reflected(rv reflect.Value, depth int) reflect.Value {
	switch rv.Kind() {
	case reflect.Interface:
		if rv.IsNil() {
			return rv
		}
		return reflect.ValueOf(c.value(rv.Elem().Interface(), depth))
	case reflect.Map:
		if rv.IsNil() || depth+1 > MaxDepth || !c.path.enter(container{rv.Pointer(), -1}) {
			return rv
		}
		out := reflect.MakeMapWithSize(rv.Type(), rv.Len())
		deep := holdsContainers(rv.Type().Elem())
		for it := rv.MapRange(); it.Next(); {
			v := it.Value()
			if deep {
				v = c.element(v, depth+1)
			}
			out.SetMapIndex(it.Key(), v)
		}
		c.path.Leave()
		return out
	case reflect.Slice:
		if rv.IsNil() {
			return rv
		}
		if !holdsContainers(rv.Type().Elem()) {
			out := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
			reflect.Copy(out, rv)
			return out
		}
		if depth+1 > MaxDepth || !c.path.enter(container{rv.Pointer(), rv.Len()}) {
			return rv
		}
		out := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
		for i := 0; i < rv.Len(); i++ {
			out.Index(i).Set(c.element(rv.Index(i), depth+1))
		}
		c.path.Leave()
		return out
	case reflect.Array:
		if !holdsContainers(rv.Type().Elem()) || depth+1 > MaxDepth {
			return rv // an array is a value: a copy of it shares nothing else
		}
		out := reflect.New(rv.Type()).Elem()
		for i := 0; i < rv.Len(); i++ {
			out.Index(i).Set(c.element(rv.Index(i), depth+1))
		}
		return out
	}
	return rv
}

// element copies rv, an element of a map, slice or array at nesting level depth; a nil
// interface stays the zero value of its type.
func (c *copier) element(rv reflect.Value, depth int) reflect.Value {
	cp := c.reflected(rv, depth)
	if !cp.IsValid() {
		return reflect.Zero(rv.Type())
	}
	return cp
}

// holdsContainers reports whether a value of type t can hold a map or slice that a copy must not
// share: t is a map, a slice, an interface, or an array of such.
func holdsContainers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Interface:
		return true
	case reflect.Array:
		return holdsContainers(t.Elem())
	}
	return false
}

// Normalize returns m as [DecodeObject] gives it back from its JSON (numbers as float64 unless an
// integer too big for one, structs as maps, invalid UTF-8 as U+FFFD), always a new non-nil map.
// The error says why a value cannot be encoded (NaN, an infinity, a map or list inside itself, a
// channel...). It never recurses without end.
func Normalize(m map[string]any) (map[string]any, error) {
	if len(m) == 0 {
		return map[string]any{}, nil
	}
	if scalars(m) {
		return maps.Clone(m), nil // nothing inside to copy deeper, and the runtime clones a map fastest
	}
	if Plain(m) {
		return Map(m), nil
	}
	raw, err := json.Marshal(m) // encoding/json finds cycles itself, a thousand levels down
	if err != nil {
		return nil, err
	}
	return DecodeObject(raw)
}

// maxExactInt is the largest integer magnitude a float64 holds exactly.
const maxExactInt = 1 << 53

// DecodeObject decodes one JSON object, and nothing after it but white space, as encoding/json
// would into map[string]any, with one difference: an integer beyond ±2^53, which a float64 would
// round, stays exact as a json.Number. The map is never nil; null is an error.
func DecodeObject(raw []byte) (map[string]any, error) {
	if m, ok := decodeFlat(raw); ok {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errors.New("got null, want a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	for k, v := range out {
		out[k] = numbers(v)
	}
	return out, nil
}

// numbers turns the json.Numbers of a decoded value into float64, except integers beyond ±2^53.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			if i > maxExactInt || i < -maxExactInt {
				return x
			}
			return float64(i)
		}
		if isInteger(string(x)) {
			return x // beyond int64: keep the digits
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x // beyond float64's range: keep the text
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scalars reports whether every key of m is valid UTF-8 and every value a string of valid
// UTF-8, a bool, a finite float64 or nil: the usual metadata, which a shallow copy copies whole
// and JSON gives back unchanged.
func scalars(m map[string]any) bool {
	for k, v := range m {
		if !KeptAsIs(k, v) {
			return false
		}
	}
	return true
}

// KeptAsIs reports whether [Normalize] keeps the entry k: v of a map as it is: k is valid UTF-8
// and v a string of valid UTF-8, a bool, a finite float64 or nil.
func KeptAsIs(k string, v any) bool { return utf8.ValidString(k) && plainScalar(v) }

// plainScalar reports whether v is nil, a bool, a string of valid UTF-8 or a finite float64.
func plainScalar(v any) bool {
	switch x := v.(type) {
	case nil, bool:
		return true
	case string:
		return utf8.ValidString(x)
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return false
}

// SameScalars reports whether a and b hold the same keys with the same values, all of them what
// [Normalize] keeps as it is: nil, bools, strings of valid UTF-8 and finite float64s (compared
// bit for bit, so 0 and -0 differ), under keys of valid UTF-8. Normalize then gives equal maps
// for both.
func SameScalars(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !utf8.ValidString(k) || !sameScalar(v, w) {
			return false
		}
	}
	return true
}

// sameScalar reports whether v is a plain scalar ([plainScalar]) and w the same value.
func sameScalar(v, w any) bool {
	switch x := v.(type) {
	case nil:
		return w == nil
	case bool:
		y, ok := w.(bool)
		return ok && x == y
	case string:
		y, ok := w.(string)
		return ok && x == y && utf8.ValidString(x)
	case float64:
		y, ok := w.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y) && !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return false
}

// Plain reports whether v already holds only what DecodeObject gives back: maps with keys of
// valid UTF-8, lists, strings of valid UTF-8, bools, finite float64s and nil, nested at most
// [MaxDepth] levels, no map or list inside itself.
func Plain(v any) bool {
	var w plainWalk
	return w.value(v, 0)
}

// plainWalk is Plain's walk, keeping the maps and lists on its path.
type plainWalk struct{ path Path }

func (w *plainWalk) value(v any, depth int) bool {
	switch x := v.(type) {
	case map[string]any:
		if depth+1 > MaxDepth || !w.path.Enter(x) {
			return false
		}
		defer w.path.Leave()
		for k, e := range x {
			if !utf8.ValidString(k) || !w.value(e, depth+1) {
				return false
			}
		}
		return true
	case []any:
		if depth+1 > MaxDepth || !w.path.Enter(x) {
			return false
		}
		defer w.path.Leave()
		for _, e := range x {
			if !w.value(e, depth+1) {
				return false
			}
		}
		return true
	default:
		return plainScalar(v) // a json.Number is not plain: it may fit a float64
	}
}

// Path holds the maps and lists a walk over a JSON value is inside, so that the walk finds a map
// or list inside itself (a cycle) instead of going round it without end. The zero Path is empty;
// a Path must not be copied once used.
type Path struct {
	open []container
	buf  [8]container      // the first levels, without an allocation
	deep map[container]int // from pathIndexed levels on: how often each one is on the path
}

// pathIndexed is the depth from which a Path also keeps a set of its maps and lists, so that a
// deep walk does not scan the whole path at each level.
const pathIndexed = 32

// container identifies a map (n is -1) or a list (n is its length: a shorter list over the same
// array is another list).
type container struct {
	p uintptr
	n int
}

// Enter adds v, a map[string]any or a []any, to the path. It reports false, and adds nothing,
// when v is on the path already: v holds itself. Every Enter that reports true needs a Leave.
func (p *Path) Enter(v any) bool {
	var c container
	switch x := v.(type) {
	case map[string]any:
		c = container{reflect.ValueOf(x).Pointer(), -1}
	case []any:
		c = container{reflect.ValueOf(x).Pointer(), len(x)}
	}
	return p.enter(c)
}

// enter is Enter of the map or list c.
func (p *Path) enter(c container) bool {
	if p.open == nil {
		p.open = p.buf[:0]
	}
	if c.p != 0 && c.n != 0 && p.holds(c) {
		return false
	}
	p.open = append(p.open, c)
	if len(p.open) == pathIndexed {
		p.deep = make(map[container]int, 2*pathIndexed)
		for _, o := range p.open {
			p.deep[o]++
		}
	} else if p.deep != nil {
		p.deep[c]++
	}
	return true
}

// holds reports whether c is on the path.
func (p *Path) holds(c container) bool {
	if p.deep != nil {
		return p.deep[c] > 0
	}
	for _, o := range p.open {
		if o == c {
			return true
		}
	}
	return false
}

// Leave removes what the last Enter that reported true added.
func (p *Path) Leave() {
	c := p.open[len(p.open)-1]
	p.open = p.open[:len(p.open)-1]
	if p.deep == nil {
		return
	}
	if p.deep[c]--; p.deep[c] == 0 {
		delete(p.deep, c)
	}
	if len(p.open) < pathIndexed {
		p.deep = nil
	}
}

// TextEqual reports whether a and b are the same JSON text once insignificant white space is
// removed; empty counts as {}.
func TextEqual(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if len(a) == 0 {
		a = json.RawMessage("{}")
	}
	if len(b) == 0 {
		b = json.RawMessage("{}")
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}
