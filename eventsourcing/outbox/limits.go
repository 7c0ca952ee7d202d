package outbox

import (
	"math"

	"github.com/gofly/eventsourcing/internal/check"
)

// Limits on what an outbox is given.
const (
	// MaxNameBytes is the longest outbox name ([WithName]) and owner id ([WithOwner]), in bytes.
	MaxNameBytes = 64
	// MaxBatchSize is the largest batch a relay claims at once ([WithBatchSize]).
	MaxBatchSize = 10000
	// MaxAttempts (2³¹−1) is the most attempts of a record a store counts: [WithMaxAttempts]
	// takes a larger number as this one.
	MaxAttempts = math.MaxInt32
)

// validName checks an outbox name or an owner id: not empty, at most [MaxNameBytes] bytes of
// valid UTF-8 without NUL; what names it in the error.
func validName(what, name string) error {
	return check.TextArg(what, name, MaxNameBytes, true)
}

// errorText returns err's message as a store keeps it with a failed attempt: valid UTF-8
// (invalid bytes and NUL become U+FFFD), cut on a rune boundary to at most
// check.OutboxErrorBytes bytes; "" for a nil error.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	return check.Clip(err.Error(), check.OutboxErrorBytes)
}
