// Package errs holds the sentinel errors every layer of the module shares, so that the core, its
// runtime packages and the stores build them the same way without importing one another.
// es.ErrInvalidArgument is [InvalidArgument].
package errs

import (
	"errors"
	"fmt"
)

// InvalidArgument reports bad input: the message names the argument and what is valid.
var InvalidArgument = errors.New("eventsourcing: invalid argument")

// Invalid returns an error matching [InvalidArgument] whose message follows it with the
// formatted text.
func Invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", InvalidArgument, fmt.Sprintf(format, args...))
}
