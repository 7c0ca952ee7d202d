package jsoncopy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"
)

// general is DecodeObject without its fast path: encoding/json, one object and nothing after it.
func general(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errSentinel
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errSentinel
	}
	for k, v := range out {
		out[k] = numbers(v)
	}
	return out, nil
}

var errSentinel = errors.New("unexpected data after the JSON object")

// checkFlat: whatever decodeFlat accepts, the general path decodes to the same map.
func checkFlat(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := decodeFlat(raw)
	if !ok {
		return
	}
	want, err := general(raw)
	if err != nil {
		t.Fatalf("decodeFlat accepted %q, which encoding/json refuses: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeFlat(%q) = %#v, encoding/json gives %#v", raw, got, want)
	}
}

func TestDecodeFlat(t *testing.T) {
	accepted := []string{
		`{}`, ` { } `, `{"correlation_id":"c-1"}`, `{"correlation_id":"c-1","causation_id":"x"}`,
		"{\n\t\"a\" : \"b\" ,\r\n \"c\":true,\"d\":false,\"e\":null}", `{"a":"1","a":"2"}`, `{"é":"☃"}`, `{"":""}`,
	}
	for _, raw := range accepted {
		if _, ok := decodeFlat([]byte(raw)); !ok {
			t.Errorf("decodeFlat refused %q", raw)
		}
		checkFlat(t, []byte(raw))
	}
	refused := []string{
		``, ` `, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":"b",}`, `{"a":"b"} x`, `{"a":"b"}{}`, `{"a":1}`, `{"a":-1}`,
		`{"a":{}}`, `{"a":[]}`, `{"a":"b\"c"}`, `{"a":"\u0041"}`, "{\"a\":\"b\x00\"}", "{\"a\":\"b\nc\"}",
		"{\"a\":\"\xff\"}", "{\"\xc3\":\"x\"}", `{"a":tru}`, `{"a":nul}`, `{"a":falsey}`, `{a:"b"}`, `{"a" "b"}`,
	}
	for _, raw := range refused {
		if m, ok := decodeFlat([]byte(raw)); ok {
			t.Errorf("decodeFlat accepted %q as %#v", raw, m)
		}
	}
	// Through DecodeObject, refused texts still decode (or fail) as encoding/json says.
	for _, raw := range append(accepted, refused...) {
		got, err := DecodeObject([]byte(raw))
		want, werr := general([]byte(raw))
		if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeObject(%q) = %#v, %v; encoding/json: %#v, %v", raw, got, err, want, werr)
		}
	}
}

// TestDecodeFlatRandom: random texts built from the pieces of flat objects, valid and broken.
func TestDecodeFlatRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{`{`, `}`, `"`, `:`, `,`, ` `, "\n", `a`, `é`, "\xff", `\`, `\"`, `true`, `false`, `null`, `1`, `"k"`, `"v"`, "\x01", `[`, `]`}
	for range 200_000 {
		var b []byte
		if r.IntN(2) == 0 {
			b = append(b, '{')
		}
		for n := r.IntN(12); n > 0; n-- {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		if r.IntN(2) == 0 {
			b = append(b, '}')
		}
		checkFlat(t, b)
	}
}

func FuzzDecodeFlat(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":true,"b":null}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkFlat(t, raw) })
}

func BenchmarkDecodeObject(b *testing.B) {
	raw := []byte(`{"causation_id":"cmd-42","correlation_id":"3f1c2a9e-6d1b-4d8e-9a51-5c7e2b0f4a11"}`)
	b.Run("flat", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeObject(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := general(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
