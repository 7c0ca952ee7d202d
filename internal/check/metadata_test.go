package check

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// nested returns a map nested levels deep (the map itself is level 1), with a list on every
// other level when lists is set.
func nested(levels int, lists bool) map[string]any {
	var v any = 1.0
	for level := levels; level > 1; level-- {
		if lists && level%2 == 0 {
			v = []any{v}
		} else {
			v = map[string]any{"a": v}
		}
	}
	return map[string]any{"a": v}
}

type deepStruct struct {
	A *deepStruct `json:"a,omitempty"`
}

func deepValue(levels int) *deepStruct {
	d := &deepStruct{}
	for range levels - 1 {
		d = &deepStruct{A: d}
	}
	return d
}

func TestMetadataAccepts(t *testing.T) {
	shared := map[string]any{"x": 1.0}
	list := []any{"a", "b"}
	for name, m := range map[string]map[string]any{
		"nil":                        nil,
		"empty":                      {},
		"flat":                       {"correlation_id": "c", "n": 1.5, "b": true, "z": nil},
		"string not UTF-8":           {"v": "\xff"},
		"NUL in a key":               {"a\x00": "x"},
		"at the limit":               nested(MaxJSONDepth, false),
		"at the limit with lists":    nested(MaxJSONDepth, true),
		"a map under two keys":       {"a": shared, "b": shared, "l": []any{shared, shared}},
		"a list under two keys":      {"a": list, "b": map[string]any{"c": list}},
		"a shorter list of an array": {"l": []any{list[:1], list}},
		"integers and typed values":  {"i": int64(1) << 62, "u": uint64(math.MaxUint64), "s": []string{"x"}, "m": map[string]string{"k": "v"}},
		"struct at the limit":        {"s": deepValue(MaxJSONDepth - 1)},
		"json.Number":                {"n": json.Number("12345678901234567890")},
	} {
		if where, p := Metadata(m, MaxJSONDepth); p != "" {
			t.Errorf("%s: refused at %s: %s", name, where, p)
		}
	}
}

func TestMetadataRefuses(t *testing.T) {
	self := map[string]any{"k": "v"}
	self["self"] = self
	selfList := []any{"x", nil}
	selfList[1] = selfList
	prefix := []any{"x", nil}
	prefix[1] = prefix[:2:2] // the same list: a cycle
	viaList := map[string]any{}
	viaList["l"] = []any{1.0, map[string]any{"back": viaList}}
	for name, tc := range map[string]struct {
		m           map[string]any
		where, want string
	}{
		"one past the limit":            {nested(MaxJSONDepth+1, false), `["a"]["a"]["a"]["a"]…["a"]["a"]`, "nests deeper than 100 levels"},
		"one past the limit with lists": {nested(MaxJSONDepth+1, true), `["a"][0]["a"][0]…["a"][0]`, "nests deeper than 100 levels"},
		"far past the limit":            {nested(10001, false), "", "nests deeper than 100 levels"},
		"struct past the limit":         {map[string]any{"s": deepValue(MaxJSONDepth)}, `["s"]`, "nests deeper than 100 levels"},
		"list of strings past":          {map[string]any{"a": nested(MaxJSONDepth-1, false)["a"].(map[string]any)}, "", ""},
		"map inside itself":             {self, `["self"]`, "contains itself"},
		"list inside itself":            {map[string]any{"l": selfList}, `["l"][1]`, "contains itself"},
		"list inside itself by slicing": {map[string]any{"l": prefix}, `["l"][1]`, "contains itself"},
		"cycle through a list":          {viaList, `["l"][1]["back"]`, "contains itself"},
		"NaN":                           {map[string]any{"n": math.NaN()}, `["n"]`, "NaN is not a JSON number"},
		"+Inf in a list":                {map[string]any{"l": []any{1.0, math.Inf(1)}}, `["l"][1]`, "+Inf is not a JSON number"},
		"float32 -Inf":                  {map[string]any{"f": float32(math.Inf(-1))}, `["f"]`, "-Inf"},
		"NaN in a struct":               {map[string]any{"s": struct{ F float64 }{math.NaN()}}, `["s"]`, "cannot be encoded as JSON"},
		"key not UTF-8":                 {map[string]any{"\xff": "x"}, `["\xff"]`, "key must be valid UTF-8"},
		"nested key not UTF-8":          {map[string]any{"m": map[string]any{"a\xc3": 1.0}}, `["m"]["a\xc3"]`, "key must be valid UTF-8"},
		"key of a map of strings":       {map[string]any{"m": map[string]string{"\xfe": "x"}}, `["m"]["\xfe"]`, "key must be valid UTF-8"},
		"a function":                    {map[string]any{"f": func() {}}, `["f"]`, "cannot be encoded as JSON (func())"},
	} {
		if tc.want == "" {
			continue
		}
		where, p := Metadata(tc.m, MaxJSONDepth)
		if !strings.Contains(p, tc.want) {
			t.Errorf("%s: got %q at %s, want %q", name, p, where, tc.want)
		}
		if tc.where != "" && where != strquote(tc.where) {
			t.Errorf("%s: at %s, want %s", name, where, strquote(tc.where))
		}
	}
	if _, p := Metadata(nested(MaxJSONDepth+1, false), DecodeJSONDepth); p != "" {
		t.Errorf("with the decode limit: %s", p)
	}
}

// strquote writes want's keys as the path quotes them (invalid bytes as \x escapes).
func strquote(want string) string {
	return strings.NewReplacer("\xff", `\xff`, "\xc3", `\xc3`, "\xfe", `\xfe`).Replace(want)
}

func BenchmarkMetadata(b *testing.B) {
	flat := map[string]any{"correlation_id": "3f1c2a9e-6d1b-4d8e-9a51-5c7e2b0f4a11", "causation_id": "cmd-42"}
	nestedMD := map[string]any{"correlation_id": "c", "trace": map[string]any{"span": "s", "tags": []any{"a", "b"}}}
	b.Run("flat", func(b *testing.B) {
		for b.Loop() {
			if _, p := Metadata(flat, MaxJSONDepth); p != "" {
				b.Fatal(p)
			}
		}
	})
	b.Run("nested", func(b *testing.B) {
		for b.Loop() {
			if _, p := Metadata(nestedMD, MaxJSONDepth); p != "" {
				b.Fatal(p)
			}
		}
	})
}
