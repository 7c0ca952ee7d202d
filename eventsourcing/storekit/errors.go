package storekit

import "github.com/gofly/eventsourcing/internal/errs"

// InvalidArgument returns an error matching es.ErrInvalidArgument whose message is the formatted
// text, so every store words bad input alike.
func InvalidArgument(format string, args ...any) error {
	return invalid(format, args...)
}

// invalid builds an es.ErrInvalidArgument error with the formatted text.
func invalid(format string, args ...any) error { return errs.Invalid(format, args...) }
