package jsoncopy

import (
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
