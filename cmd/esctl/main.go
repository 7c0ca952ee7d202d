package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gofly/eventsourcing/config"
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/internal/redact"
)

// Exit codes.
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitNotFound  = 3
	exitUnhealthy = 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one command and returns the exit code; errors go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if !errors.As(err, new(reported)) {
		fmt.Fprintln(stderr, "esctl: "+redact.Text(err.Error()))
	}
	if code == exitUsage && errors.As(err, new(*usageError)) {
		fmt.Fprintln(stderr, "run esctl help for the commands and their flags")
	}
	return code
}

// reported ends a command whose outcome was printed (a check that found migrations missing, an
// unhealthy report) with its exit code: nothing more is written.
type reported struct{ code int }

func (r reported) Error() string { return fmt.Sprintf("exit code %d", r.code) }

// usageError is a command line that cannot run.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitCode maps an error to the exit code.
func exitCode(err error) int {
	var (
		u *usageError
		r reported
	)
	switch {
	case errors.As(err, &r):
		return r.code
	case errors.Is(err, config.ErrInvalidConfig):
		return exitFailure
	case errors.As(err, &u), errors.Is(err, es.ErrInvalidArgument), errors.Is(err, inspect.ErrAmbiguous):
		return exitUsage
	case errors.Is(err, inspect.ErrNotFound):
		return exitNotFound
	}
	return exitFailure
}
