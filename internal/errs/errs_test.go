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

func TestConfigError(t *testing.T) {
	err := error(&errs.ConfigError{Config: "outbox.Config", Field: "BatchSize", Reason: "must be from 1 to 10000, got -1"})
	if !errors.Is(err, errs.InvalidArgument) {
		t.Fatalf("%v does not match InvalidArgument", err)
	}
	if got, want := err.Error(), "eventsourcing: invalid argument: outbox.Config.BatchSize: must be from 1 to 10000, got -1"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	err = &errs.ConfigError{Config: "outbox.Config", Field: "BatchSize", Option: "outbox.WithBatchSize", Reason: "must be from 1 to 10000, got 0"}
	if got, want := err.Error(), "eventsourcing: invalid argument: outbox.WithBatchSize: must be from 1 to 10000, got 0"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
