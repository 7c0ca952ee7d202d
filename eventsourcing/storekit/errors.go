package storekit

import (
	"bytes"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// invalid builds an es.ErrInvalidArgument error with the formatted text.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", es.ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// containsNUL reports a JSON text that holds the escape of a NUL character.
func containsNUL(b []byte) bool {
	return bytes.Contains(b, []byte(`\u0000`))
}
