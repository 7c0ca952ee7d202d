// Package jsoncopy deep-copies the values encoding/json decodes into (maps, slices, raw JSON) and
// normalises metadata to the form JSON gives back.
package jsoncopy

import (
	"bytes"
	"encoding/json"
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

// Normalize returns m as JSON would give it back (numbers as float64, structs as maps), always a
// new non-nil map. The error says why a value cannot be encoded.
func Normalize(m map[string]any) (map[string]any, error) {
	if len(m) == 0 {
		return map[string]any{}, nil
	}
	if Plain(m) {
		return Map(m), nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Plain reports whether v already holds only what encoding/json decodes into any.
func Plain(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return true
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
