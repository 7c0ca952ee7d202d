package config

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidConfig reports configuration that cannot be used: an unknown key, a value of the
	// wrong type, an unknown provider, a malformed URL, or a YAML file that is missing or does not
	// parse. The message names the key or the file and says what is valid.
	ErrInvalidConfig = errors.New("eventsourcing config: invalid configuration")
	// ErrDisabled reports a bean asked for while pyfly.eventsourcing.enabled is false.
	ErrDisabled = errors.New("eventsourcing config: the event-sourcing module is disabled; set pyfly.eventsourcing.enabled: true")
)

// invalid builds an error matching ErrInvalidConfig with the formatted explanation.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// Invalid returns an error matching [ErrInvalidConfig] whose message is the formatted text, so
// packages that validate parts of the configuration word their errors alike.
func Invalid(format string, args ...any) error { return invalid(format, args...) }
