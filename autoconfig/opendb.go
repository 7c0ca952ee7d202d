package autoconfig

import (
	"fmt"

	"github.com/uptrace/bun"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// newDB builds the *bun.DB of t without connecting (see bunstore.NewDB), so the constructor does
// no I/O and [Databases.Start] pings.
func newDB(t Target) (*bun.DB, error) {
	db, err := bunstore.NewDB(t.URL.URL)
	if err != nil {
		return nil, fmt.Errorf("autoconfig: %s URL %s (%s): %w", t.Name, t.Redacted(), keyOrDefault(t.URL.Key), scrubbed(err))
	}
	return db, nil
}

// scrubbed redacts any password quoted in err's message, keeping err for errors.Is and errors.As.
func scrubbed(err error) error {
	return &opaqueError{msg: bunstore.RedactURL(err.Error()), err: err}
}

type opaqueError struct {
	msg string
	err error
}

// Error returns the redacted message.
func (e *opaqueError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *opaqueError) Unwrap() error { return e.err }

func keyOrDefault(key string) string {
	if key == "" {
		return "the default URL"
	}
	return key
}
