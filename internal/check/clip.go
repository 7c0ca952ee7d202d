package check

import (
	"strings"
	"unicode/utf8"
)

// ellipsis ends a clipped text.
const ellipsis = "…"

// Clip returns s as a text column keeps it: invalid UTF-8 and NUL bytes become U+FFFD, and a text
// longer than maxBytes bytes is cut on a rune boundary and ends with "…", maxBytes bytes at most
// in all ("" when maxBytes is 0 or less).
func Clip(s string, maxBytes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= maxBytes {
		return s
	}
	if maxBytes <= 0 {
		return ""
	}
	end := ""
	if maxBytes > len(ellipsis) {
		end = ellipsis
	}
	cut := maxBytes - len(end)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + end
}
