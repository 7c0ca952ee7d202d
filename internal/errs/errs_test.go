package errs_test

import (
	"errors"
	"testing"

	"github.com/gofly/eventsourcing/internal/errs"
)

func TestInvalid(t *testing.T) {
	err := errs.Invalid("limit: must be 1 or more, got %d", 0)
	if !errors.Is(err, errs.InvalidArgument) {
		t.Fatalf("%v does not match InvalidArgument", err)
	}
	if got, want := err.Error(), "eventsourcing: invalid argument: limit: must be 1 or more, got 0"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
