package check

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// agree checks objectOK against the recursive parser on b: never yes where the parser says no,
// and the same answer for documents it follows (nested at most fastDepth levels).
func agree(t *testing.T, b []byte, maxDepth int) {
	t.Helper()
	fast, slow := objectOK(b, maxDepth), parseObject(b, maxDepth)
	if fast && slow != "" {
		t.Fatalf("objectOK accepted %q, which the parser refuses: %s", b, slow)
	}
	if !fast && slow == "" && nesting(b) <= fastDepth {
		t.Fatalf("objectOK refused %q, which the parser accepts", b)
	}
}

func TestObjectOKAgreesWithTheParser(t *testing.T) {
	cases := []string{
		`{}`, ` {"a":1} `, "{\"a\":\n1\t}", `{"a":[]}`, `{"a":[ ]}`, `{"a":{}}`, `{"a":[1,[2,[3]],{}]}`,
		`{"a":[1,2.5,-3e10,0.0,1E+2,-0,true,false,null,"x"]}`, `{"s":"\\u0000"}`,
		`{"s":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`, `{"é":"日本"}`, `{"s":"` + strings.Repeat("x", 40) + `\"` + strings.Repeat("y", 17) + `"}`,
		`{"s":"1234567\u0041"}`, "{\"s\":\"1234567\x7f\"}", `{"s":"` + strings.Repeat("é", 9) + `"}`,
		``, `[]`, `"x"`, `null`, `{`, `{"a":`, `{"a":1}x`, `{"a":1}}`, `{"a":1,}`, `{"a" 1}`, `{"a":01}`, `{"a":1.}`,
		`{"a":-}`, `{"a":1e}`, `{"a":1e+}`, `{"a":tru}`, `{"a":"\u0000"}`, `{"a":"x\\\u0000"}`, `{"a":"\x"}`,
		`{"a":"\u12"}`, `{"a":"\u12g4"}`, "{\"a\":\"\x01\"}", "{\"a\":\"1234567\x1f\"}", "{\"a\":\"\xff\"}",
		"{\"\xc3\x28\":1}", "{\"a\":\"12345678\xed\xa0\x80\"}", `{"a":"unterminated}`, `{"a":"12345678\`,
		`{"a":[1,]}`, `{"a":[,1]}`, `{,"a":1}`, `{"a":1 "b":2}`, `{"a":[1}`, `{"a":{]}`, `{"a":1]`, `{1:2}`,
		`{"a":"b"`, `{"a":nul}`, `{"a":-01}`, `{"a":.5}`, "{\"a\":1}\x00", `{"a":1} {}`,
	}
	for _, s := range cases {
		for _, depth := range []int{1, 2, MaxJSONDepth} {
			agree(t, []byte(s), depth)
		}
	}
	for _, n := range []int{fastDepth - 1, fastDepth, fastDepth + 1, MaxJSONDepth, MaxJSONDepth + 1} {
		doc := `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}"
		agree(t, []byte(doc), MaxJSONDepth)
		if got, want := JSONObject([]byte(doc), MaxJSONDepth) == "", n <= MaxJSONDepth; got != want {
			t.Errorf("nesting %d: accepted %v, want %v", n, got, want)
		}
	}
	if !objectOK([]byte(`{"order_id":"3f1c2a9e-6d1b-4d8e-9a51-000000000001","lines":[{"sku":"SKU-001","qty":2}],"note":"deliver after 18:00"}`), MaxJSONDepth) {
		t.Error("objectOK refused a plain payload")
	}
}

// TestObjectOKAgreesOnMutations changes valid documents one byte at a time, with bytes that
// matter to JSON, and checks that objectOK and the parser still agree on every result.
func TestObjectOKAgreesOnMutations(t *testing.T) {
	docs := []string{
		`{"order_id":"3f1c2a9e-6d1b-4d8e-9a51-000000000001","amount":12.5e-1,"lines":[{"sku":"SKU-001","qty":2},{"sku":"x","qty":-1}],"ok":true,"no":false,"none":null}`,
		`{"s":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00 日本 é","a":[[],{},[{"b":[0]}]]}`,
	}
	alphabet := []byte("{}[]\":,\\/-+.0123456789eEtrufalsn u\x00\x01\x1f\x7f\x80\xc3\xa9\xff \t\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, doc := range docs {
		for range 20000 {
			b := []byte(doc)
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(b))
				switch rng.IntN(3) {
				case 0:
					b[i] = alphabet[rng.IntN(len(alphabet))]
				case 1:
					b = append(b[:i], b[i+1:]...)
				default:
					b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
				}
			}
			agree(t, b, MaxJSONDepth)
			agree(t, b, 2)
		}
	}
}

// FuzzObjectOK checks objectOK against the recursive parser on any input.
func FuzzObjectOK(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":null}]}`, `{"s":"\u0000"}`, `{"s":"12345678\"\\"}`, "{\"\xff\":1}", `{"n":-0.5e-3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b, MaxJSONDepth)
		agree(t, b, 3)
	})
}
