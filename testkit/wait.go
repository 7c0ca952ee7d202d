package testkit

import (
	"fmt"
	"testing"
	"time"
)

// WaitFor polls cond every 10 ms until it holds, and fails t (t.Fatalf) if it does not hold
// within timeout. The failure message is fmt.Sprintf(msg, args...), formatted at the failure, so
// an argument with a String method (a [LogRecorder]) shows its state at that moment.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v: %s", timeout, fmt.Sprintf(msg, args...))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lazyText is text computed when it is formatted.
type lazyText func() string

func (f lazyText) String() string { return f() }
