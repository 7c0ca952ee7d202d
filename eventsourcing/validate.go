package eventsourcing

import "github.com/gofly/eventsourcing/internal/check"

// Limits on identifiers, as the stores' columns hold them.
const (
	// MaxIDBytes is the longest aggregate id, event id and tenant id, in bytes.
	MaxIDBytes = 64
	// MaxTypeBytes is the longest aggregate type and event type, in bytes.
	MaxTypeBytes = 255
)

// checkText checks a text argument: not empty when required, at most maxBytes bytes of valid
// UTF-8 without NUL. The error names the argument and matches ErrInvalidArgument.
func checkText(name, v string, maxBytes int, required bool) error {
	if p := check.Text(v, maxBytes, required); p != "" {
		return invalidArg("%s: %s", name, p)
	}
	return nil
}
