package check

// Lengths of what an error message or a log quotes from outside, in bytes: a value can be as
// long as a caller makes it (a database URL of a megabyte), and a driver's error often quotes
// the connection string it was given again. [Clip] cuts them to fit.
const (
	// URLTextBytes is the most of a (redacted) database URL a message quotes.
	URLTextBytes = 200
	// CauseTextBytes is the most of an error from a driver or a library a message quotes.
	CauseTextBytes = 2000
)

// ClippedError is an error whose message is its cause's, cut to [CauseTextBytes] bytes with
// [Clip]. It unwraps to the cause.
type ClippedError struct{ Err error }

// Error returns the cause's message, clipped.
func (e ClippedError) Error() string { return Clip(e.Err.Error(), CauseTextBytes) }

// Unwrap returns the cause.
func (e ClippedError) Unwrap() error { return e.Err }
