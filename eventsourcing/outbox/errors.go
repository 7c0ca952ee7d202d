package outbox

import "errors"

// ErrNoDeadLetter reports a [Outbox.Retry] of an id that is not a dead letter of the outbox: no
// record has that id, or it is pending or delivered.
var ErrNoDeadLetter = errors.New("outbox: no dead letter with that id")
