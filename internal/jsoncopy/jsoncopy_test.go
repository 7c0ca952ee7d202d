package jsoncopy

import (
	"math"
	"strings"
	"testing"
)

// Before the fix "null" decoded to a nil map without an error, and "{}}" (a closing brace after
// the object) decoded to an empty map.
func TestDecodeObjectRefusesAnythingButOneObject(t *testing.T) {
	for _, raw := range []string{
		`null`, ` null `, "\nnull\t", `{}}`, `{"a":"b"}}`, `{"a":1}}`, `{}]`, `{"a":[1]}]`, `{} {}`, `{}x`, `{} null`,
		`[]`, `"x"`, `1`, `true`, ``, ` `, `{`, `{"a":1`, "{}\x00",
	} {
		m, err := DecodeObject([]byte(raw))
		if err == nil {
			t.Errorf("DecodeObject(%q) = %#v, want an error", raw, m)
		}
		if m != nil {
			t.Errorf("DecodeObject(%q) returned %#v with its error", raw, m)
		}
	}
	for _, raw := range []string{`{}`, ` {} `, "{\"a\":1}\n", `{"a":[1,{"b":null}]}`, "\t{\"a\":\"b\"}\r\n"} {
		m, err := DecodeObject([]byte(raw))
		if err != nil || m == nil {
			t.Errorf("DecodeObject(%q) = %#v, %v; want a map", raw, m, err)
		}
	}
}

func TestDecodeObjectSaysWhatIsWrong(t *testing.T) {
	if _, err := DecodeObject([]byte("null")); err == nil || !strings.Contains(err.Error(), "null") {
		t.Errorf("null: %v", err)
	}
	if _, err := DecodeObject([]byte(`{"a":1}}`)); err == nil || !strings.Contains(err.Error(), "after the JSON object") {
		t.Errorf("trailing brace: %v", err)
	}
}

func TestSameScalars(t *testing.T) {
	plain := map[string]any{"s": "x", "b": true, "n": 1.5, "z": nil}
	for _, c := range []struct {
		b    map[string]any
		same bool
	}{
		{map[string]any{"s": "x", "b": true, "n": 1.5, "z": nil}, true},
		{map[string]any{"s": "x", "b": true, "n": 1.5}, false},
		{map[string]any{"s": "x", "b": true, "n": 1.5, "y": nil}, false},
		{map[string]any{"s": "y", "b": true, "n": 1.5, "z": nil}, false},
		{map[string]any{"s": "x", "b": 1.0, "n": 1.5, "z": nil}, false},
		{map[string]any{"s": "x", "b": true, "n": 1, "z": nil}, false}, // an int: Normalize makes it a float64
		{map[string]any{"s": "x", "b": true, "n": 1.5, "z": []any{}}, false},
	} {
		if got := SameScalars(plain, c.b); got != c.same {
			t.Errorf("SameScalars(%v, %v) = %v", plain, c.b, got)
		}
	}
	zero, negZero := map[string]any{"n": 0.0}, map[string]any{"n": math.Copysign(0, -1)}
	if SameScalars(zero, negZero) || !SameScalars(negZero, map[string]any{"n": math.Copysign(0, -1)}) {
		t.Error("0 and -0 are other numbers")
	}
	for _, a := range []map[string]any{
		{"n": math.NaN()}, {"n": math.Inf(1)}, {"s": "\xff"}, {"\xff": "s"}, {"i": 1}, {"m": map[string]any{}},
	} {
		if SameScalars(a, a) {
			t.Errorf("SameScalars(%v, itself): Normalize does not keep it as it is", a)
		}
	}
	if !SameScalars(map[string]any{}, nil) {
		t.Error("two empty maps")
	}
}
