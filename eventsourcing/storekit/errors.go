package storekit

import (
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// invalid builds an es.ErrInvalidArgument error with the formatted text.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", es.ErrInvalidArgument, fmt.Sprintf(format, args...))
}
