// Package check holds the input rules the core and the stores share: what a text column and a
// JSON payload may hold, and how a text is clipped to fit a column. It returns problems as plain
// text; callers wrap them in their own errors.
package check

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text says what is wrong with a text value, "" when nothing is: empty when required, more than
// maxBytes bytes, invalid UTF-8, or a NUL byte.
func Text(v string, maxBytes int, required bool) string {
	switch {
	case v == "" && required:
		return "must not be empty"
	case len(v) > maxBytes:
		return fmt.Sprintf("at most %d bytes, got %d", maxBytes, len(v))
	case !utf8.ValidString(v):
		return "must be valid UTF-8"
	case strings.IndexByte(v, 0) >= 0:
		return "must not contain NUL bytes"
	}
	return ""
}
