package check

// Lengths of the error-text columns, in bytes. The outbox relay and the projection runner cut an
// error's text to fit (see [Clip]); a store refuses a longer one.
const (
	// OutboxErrorBytes is the longest error text an outbox record keeps with a failed attempt.
	OutboxErrorBytes = 2000
	// DeadLetterErrorBytes is the longest error text a projection's dead letter keeps.
	DeadLetterErrorBytes = 16 << 10
)
