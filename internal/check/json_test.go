package check

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONPayload(t *testing.T) {
	ok := []string{
		`{}`, ` {"a":1} `, `{"a":[1,2.5,-3e10,0.0,1E+2,true,false,null,"x"]}`, `{"a":{"b":{"c":[]}}}`,
		`{"s":"\\u0000"}`, // an escaped backslash then "u0000": not a NUL
		`{"s":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`, `{"é":"日本"}`, "{\"a\":\n1\t}",
	}
	for _, s := range ok {
		if p := JSONPayload([]byte(s)); p != "" {
			t.Errorf("%s: %s", s, p)
		}
	}
	bad := map[string]string{
		``:                    "JSON object",
		`[]`:                  "JSON object",
		`"x"`:                 "JSON object",
		`null`:                "JSON object",
		`{`:                   "string key",
		`{"a":`:               "unexpected end",
		`{"a":1}x`:            "after the object",
		`{"a":1,}`:            "string key",
		`{"a" 1}`:             "':'",
		`{"a":01}`:            "expected ','",
		`{"a":1.}`:            "bad number",
		`{"a":-}`:             "bad number",
		`{"a":1e}`:            "bad number",
		`{"a":tru}`:           "unexpected character",
		`{"a":"\u0000"}`:      "NUL",
		`{"a":"x\\\u0000"}`:   "NUL",
		`{"a":"\x"}`:          "bad escape",
		`{"a":"\u12"}`:        "\\u escape",
		"{\"a\":\"\x01\"}":    "control character",
		"{\"a\":\"\xff\"}":    "UTF-8",
		"{\"\xc3\x28\":1}":    "UTF-8",
		`{"a":"unterminated}`: "unterminated",
	}
	for s, want := range bad {
		p := JSONPayload([]byte(s))
		if !strings.Contains(p, want) {
			t.Errorf("%q: got %q, want it to mention %q", s, p, want)
		}
	}
	deep := strings.Repeat(`{"a":`, MaxJSONDepth) + "1" + strings.Repeat("}", MaxJSONDepth)
	if p := JSONPayload([]byte(deep)); p != "" {
		t.Errorf("depth %d: %s", MaxJSONDepth, p)
	}
	tooDeep := `{"a":` + strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth) + "}"
	if p := JSONPayload([]byte(tooDeep)); !strings.Contains(p, "deeper") {
		t.Errorf("too deep: %q", p)
	}
}

// FuzzJSONPayload checks the one-pass validator against encoding/json: whatever it accepts,
// encoding/json accepts and decodes, and it refuses only what encoding/json refuses or what the
// stores cannot keep (NUL, invalid UTF-8, depth).
func FuzzJSONPayload(f *testing.F) {
	for _, s := range []string{`{"n":1e400}`, `{}`, `{"a":[1,{"b":null}]}`, `{"s":"\u0000"}`, `{"s":"\\u0000"}`, "{\"\xff\":1}", `{"n":-0.5e-3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := JSONPayload(b)
		valid := json.Valid(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
		if p == "" {
			if !valid {
				t.Fatalf("accepted %q, which encoding/json refuses", b)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			var v map[string]any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("accepted %q, which does not decode: %v", b, err)
			}
			return
		}
		if valid && !strings.Contains(p, "NUL") && !strings.Contains(p, "deeper") && utf8.Valid(b) {
			t.Fatalf("refused %q (%s), which encoding/json accepts", b, p)
		}
	})
}

func BenchmarkJSONPayload(b *testing.B) {
	payload := []byte(`{"order_id":"order-00000042","customer":"customer-cccccccccccccccccccccccccccccccccccccccc","amount":42,"currency":"EUR","lines":["sku-000001 x 2","sku-000002 x 1","sku-000003 x 7","sku-000004 x 3"]}`)
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for range b.N {
			if JSONPayload(payload) != "" {
				b.Fatal("refused")
			}
		}
	})
	b.Run("json.Valid+utf8+NUL", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		for range b.N {
			if !json.Valid(payload) || !utf8.Valid(payload) || bytes.Contains(payload, []byte(`\u0000`)) {
				b.Fatal("refused")
			}
		}
	})
}
