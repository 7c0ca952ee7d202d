package storekit

import (
	"time"

	"github.com/gofly/eventsourcing/internal/check"
)

// MaxSkippedByBytes is the longest name of who skipped a dead letter.
const MaxSkippedByBytes = 255

// ValidateSkip checks who skips a dead letter (1 to [MaxSkippedByBytes] bytes of valid UTF-8
// without NUL) and when.
func ValidateSkip(by string, at time.Time) error {
	if err := check.TextArg("skipped by", by, MaxSkippedByBytes, true); err != nil {
		return err
	}
	return ValidateTime("skip time", at)
}
