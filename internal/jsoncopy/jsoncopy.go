// Package jsoncopy deep-copies the values encoding/json decodes into (maps, slices, raw JSON) and
// normalises metadata to the form JSON gives back.
package jsoncopy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"strconv"
	"strings"
)

// Raw returns a copy of b; nil stays nil.
func Raw(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(make([]byte, 0, len(b))), b...)
}

// Map returns a deep copy of m; nil stays nil.
func Map(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	if scalars(m) {
		return maps.Clone(m)
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = Value(v)
	}
	return out
}

// Value deep-copies maps, slices and byte slices inside v; other values are returned as they are.
func Value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return Map(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Value(e)
		}
		return out
	case json.RawMessage:
		return Raw(x)
	case []byte:
		return append([]byte(nil), x...)
	default:
		return v
	}
}

// Normalize returns m as [DecodeObject] gives it back from its JSON (numbers as float64 unless an
// integer too big for one, structs as maps), always a new non-nil map. The error says why a value
// cannot be encoded.
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
	raw, err := json.Marshal(m)
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

// scalars reports whether every value of m is a string, a bool, a float64 or nil: the usual
// metadata, which a shallow copy copies whole.
func scalars(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case nil, string, bool, float64:
		default:
			return false
		}
	}
	return true
}

// Plain reports whether v already holds only what DecodeObject gives back.
func Plain(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return true
	case json.Number:
		return false // re-decode: it may fit a float64
	case map[string]any:
		for _, e := range x {
			if !Plain(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !Plain(e) {
				return false
			}
		}
		return true
	default:
		return false
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
