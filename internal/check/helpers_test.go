package check

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"", 10, ""},
		{"exactly10!", 10, "exactly10!"},
		{"a\x00b", 10, "a\uFFFDb"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"0123456789abc", 10, "0123456…"},
		{"ééééé", 6, "é…"}, // é is 2 bytes: 3 bytes of room keep one é
		{"日本語", 5, "…"},    // no whole rune fits before the ellipsis
		{"abcdef", 3, "abc"},
		{"abcdef", 2, "ab"},
		{"日本語", 2, ""},
		{"abc", 0, ""},
		{"abc", -1, ""},
	} {
		got := Clip(tc.in, tc.max)
		if got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		if tc.max >= 0 && len(got) > tc.max {
			t.Errorf("Clip(%q, %d) = %q: %d bytes", tc.in, tc.max, got, len(got))
		}
		if p := Text(got, max(tc.max, 0), false); p != "" {
			t.Errorf("Clip(%q, %d) = %q: %s", tc.in, tc.max, got, p)
		}
	}
	// Hostile: invalid UTF-8 and NUL everywhere, every limit.
	hostile := strings.Repeat("\xff\x00é日\xc3", 50)
	for n := 0; n < 300; n++ {
		got := Clip(hostile, n)
		if len(got) > n || !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Fatalf("Clip(hostile, %d) = %q", n, got)
		}
	}
}

func TestDefaultOwner(t *testing.T) {
	pid := "-" + strconv.Itoa(os.Getpid()) + "-"
	a, b := DefaultOwner(255), DefaultOwner(255)
	if a == b {
		t.Errorf("two owners are the same: %q", a)
	}
	for _, n := range []int{255, 40, len(pid) + 8} {
		o := DefaultOwner(n)
		if !strings.Contains(o, pid) || len(o) > n || Text(o, n, true) != "" {
			t.Errorf("DefaultOwner(%d) = %q", n, o)
		}
	}
}

func TestIsNil(t *testing.T) {
	var p *int
	var m map[string]int
	var s []int
	var f func()
	var c chan int
	var e error
	for i, v := range []any{nil, p, m, s, f, c, e} {
		if !IsNil(v) {
			t.Errorf("%d: %#v is nil", i, v)
		}
	}
	x := 1
	for i, v := range []any{0, "", &x, map[string]int{}, []int{}, func() {}, make(chan int), struct{}{}} {
		if IsNil(v) {
			t.Errorf("%d: %#v is not nil", i, v)
		}
	}
}
