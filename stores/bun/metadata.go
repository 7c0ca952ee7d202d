package bunstore

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// encodeMetadata returns metadata as JSON text: "{}" when empty, a hand-written object when every
// value is a string (the usual correlation and causation ids), encoding/json otherwise. Both
// decode to the same map.
func encodeMetadata(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	if s, ok := encodeStringMap(m); ok {
		return s, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

func encodeStringMap(m map[string]any) (string, bool) {
	var keysBuf [8]string
	keys := keysBuf[:0]
	size := 2
	for k, v := range m {
		s, ok := v.(string)
		if !ok || !utf8.ValidString(k) || !utf8.ValidString(s) {
			return "", false
		}
		keys = append(keys, k)
		size += len(k) + len(s) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k].(string))
	}
	b = append(b, '}')
	return string(b), true
}

// appendJSONString appends s as a JSON string; s must be valid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
