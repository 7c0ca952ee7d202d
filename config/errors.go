package config

import (
	"errors"
	"strings"
)

var (
	// ErrInvalidConfig is matched (errors.Is) by every error about configuration that cannot be
	// used: an unknown key, a value of the wrong type, an unknown provider, a malformed URL, two
	// spellings of one key set to different values, or a YAML file that is missing or does not
	// parse. Those errors are *[Error] values naming the key or the file and what is valid.
	ErrInvalidConfig = errors.New("eventsourcing: invalid configuration")
	// ErrDisabled reports a bean asked for while pyfly.eventsourcing.enabled is false.
	ErrDisabled = errors.New("eventsourcing: the module is disabled; set pyfly.eventsourcing.enabled: true to use its beans")
)

// Error is a configuration error. It matches [ErrInvalidConfig] with errors.Is and reads
// "eventsourcing: <key or file>: <reason>[: <cause>]".
type Error struct {
	// Key is the full key at fault (pyfly.eventsourcing.store.provider), or "" when the fault is
	// not one key's.
	Key string
	// File names the YAML source at fault when Key is "": a path, or "inline YAML".
	File string
	// Reason says what is wrong and what is valid.
	Reason string
	// Err is the underlying error, or nil.
	Err error
}

// Error returns the message: one prefix, the key or file, the reason and the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("eventsourcing: ")
	switch {
	case e.Key != "":
		b.WriteString(e.Key)
		b.WriteString(": ")
	case e.File != "":
		b.WriteString("config file ")
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		if e.Reason != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is [ErrInvalidConfig].
func (e *Error) Is(target error) bool { return target == ErrInvalidConfig }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
