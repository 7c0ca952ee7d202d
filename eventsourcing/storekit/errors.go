package storekit

import "github.com/gofly/eventsourcing/internal/errs"

// invalid builds an es.ErrInvalidArgument error with the formatted text.
func invalid(format string, args ...any) error { return errs.Invalid(format, args...) }
