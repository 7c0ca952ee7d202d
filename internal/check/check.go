// Package check holds the input rules the core, its runtime packages and the stores share: what a
// text column and a JSON payload may hold, and how a text is clipped to fit a column. [Text] and
// [JSONPayload] return problems as plain text for callers to wrap in their own errors; the *Arg
// functions wrap them in an error that names the argument and matches errs.InvalidArgument.
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
