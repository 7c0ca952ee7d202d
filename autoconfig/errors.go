package autoconfig

import (
	"errors"
	"strings"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/redact"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

var (
	// ErrNotStarted is matched (errors.Is) by the error of a Bun store used before its database
	// was opened: before the Fx application started, or before [Databases.Start] without Fx.
	ErrNotStarted = errors.New("eventsourcing: the application has not started")
	// ErrStopped is matched by the error of a Bun store used after its database was closed (the
	// Fx application stopped, or [Databases.Close] ran), and by [Databases.Start] after Close or
	// after a failed Start.
	ErrStopped = errors.New("eventsourcing: the application has stopped")
)

// lifecycleError is a store used outside the life of its database. It matches its sentinel and
// says which store and what to do, once.
type lifecycleError struct {
	msg      string
	sentinel error
}

func (e *lifecycleError) Error() string { return e.msg }
func (e *lifecycleError) Unwrap() error { return e.sentinel }

func notStarted(store string) error {
	return &lifecycleError{
		msg:      "eventsourcing: " + store + " used before the application started: its database opens on start (fx.App.Start, or Databases.Start without Fx)",
		sentinel: ErrNotStarted,
	}
}

func stopped(store string) error {
	return &lifecycleError{
		msg:      "eventsourcing: " + store + " used after the application stopped: its database is closed",
		sentinel: ErrStopped,
	}
}

// wrapped is an error with its own message that still unwraps to the error it explains.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// cause returns err with its message redacted, cut to 2,000 bytes, and without the prefixes the
// store packages put first ("eventsourcing: invalid argument: ", "bunstore: ", "bunstore: schema missing: ",
// "eventsourcing: "), so that a message that embeds it reads once. It unwraps to err.
func cause(err error) error {
	return &wrapped{msg: check.Clip(trimPrefixes(redact.Text(err.Error())), check.CauseTextBytes), err: err}
}

// trimPrefixes removes the prefixes cause removes from msg.
func trimPrefixes(msg string) string {
	prefixes := []string{
		es.ErrInvalidArgument.Error() + ": ",
		bunstore.ErrSchema.Error() + ": ",
		bunstore.ErrPositionsAhead.Error() + ": ",
		"bunstore: ",
		"eventsourcing: ", // es.ErrInvalidHandler and others: the embedding message has the prefix
	}
	for trimmed := true; trimmed; {
		trimmed = false
		for _, p := range prefixes {
			if rest, ok := strings.CutPrefix(msg, p); ok {
				msg, trimmed = rest, true
			}
		}
	}
	return msg
}

// keyOrDefault names the key a URL came from, for messages.
func keyOrDefault(key string) string {
	if key == "" {
		return "the default URL"
	}
	return key
}
