package check

import (
	"time"

	"github.com/gofly/eventsourcing/internal/errs"
)

// TextArg checks a text argument with [Text]; the error names it and matches
// errs.InvalidArgument.
func TextArg(name, v string, maxBytes int, required bool) error {
	if p := Text(v, maxBytes, required); p != "" {
		return errs.Invalid("%s: %s", name, p)
	}
	return nil
}

// PositionArg checks a stream position: 0 (the start) or more. The error names it and matches
// errs.InvalidArgument.
func PositionArg(name string, p int64) error {
	if p < 0 {
		return errs.Invalid("%s: a position is 0 or more, got %d", name, p)
	}
	return nil
}

// DurationArg checks that d is from lo to hi; the error names it and matches
// errs.InvalidArgument.
func DurationArg(name string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return errs.Invalid("%s: from %v to %v, got %v", name, lo, hi, d)
	}
	return nil
}
