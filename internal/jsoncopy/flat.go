package jsoncopy

import "unicode/utf8"

// decodeFlat decodes the common shape of metadata without encoding/json: one object whose
// values are strings, true, false or null, with keys and strings free of escapes and control
// characters. ok is false for anything else, and DecodeObject then takes the general path, so
// both give the same map for every input decodeFlat accepts.
func decodeFlat(b []byte) (m map[string]any, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	m = make(map[string]any, 4)
	if i < len(b) && b[i] == '}' {
		return m, skipSpace(b, i+1) == len(b)
	}
	for {
		var key string
		if key, i, ok = plainString(b, i); !ok {
			return nil, false
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case '"':
			var v string
			if v, i, ok = plainString(b, i); !ok {
				return nil, false
			}
			m[key] = v
		case 't':
			if i, ok = literal(b, i, "true"); !ok {
				return nil, false
			}
			m[key] = true
		case 'f':
			if i, ok = literal(b, i, "false"); !ok {
				return nil, false
			}
			m[key] = false
		case 'n':
			if i, ok = literal(b, i, "null"); !ok {
				return nil, false
			}
			m[key] = nil
		default:
			return nil, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return m, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads the JSON string at b[i] when it has no escape, no control character and
// only valid UTF-8 (encoding/json would replace invalid bytes); it returns the index after it.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	start := i + 1
	ascii := true
	for j := start; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[start:j]
			if !ascii && !utf8.Valid(s) {
				return "", i, false
			}
			return knownKey(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", i, false
}

// knownKey returns the metadata keys the library writes without allocating them again.
func knownKey(s []byte) string {
	switch string(s) {
	case "correlation_id":
		return "correlation_id"
	case "causation_id":
		return "causation_id"
	}
	return string(s)
}

func literal(b []byte, i int, word string) (int, bool) {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return i, false
	}
	return i + len(word), true
}
