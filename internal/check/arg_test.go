package check

import (
	"errors"
	"testing"
	"time"

	"github.com/gofly/eventsourcing/internal/errs"
)

func TestArgErrorsNameTheArgument(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{TextArg("owner", "", 8, true), "eventsourcing: invalid argument: owner: must not be empty"},
		{TextArg("owner", "123456789", 8, true), "eventsourcing: invalid argument: owner: at most 8 bytes, got 9"},
		{PositionArg("next", -1), "eventsourcing: invalid argument: next: a position is 0 or more, got -1"},
		{DurationArg("lease ttl", time.Millisecond, 10*time.Millisecond, time.Hour), "eventsourcing: invalid argument: lease ttl: from 10ms to 1h0m0s, got 1ms"},
		{DurationArg("lease ttl", 2*time.Hour, 10*time.Millisecond, time.Hour), "eventsourcing: invalid argument: lease ttl: from 10ms to 1h0m0s, got 2h0m0s"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want || !errors.Is(tc.err, errs.InvalidArgument) {
			t.Errorf("got %v, want %q matching errs.InvalidArgument", tc.err, tc.want)
		}
	}
	for i, err := range []error{
		TextArg("owner", "", 8, false), TextArg("owner", "12345678", 8, true), PositionArg("next", 0),
		DurationArg("lease ttl", 10*time.Millisecond, 10*time.Millisecond, time.Hour), DurationArg("lease ttl", time.Hour, 10*time.Millisecond, time.Hour),
	} {
		if err != nil {
			t.Errorf("%d: %v", i, err)
		}
	}
}
