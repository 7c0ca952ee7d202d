package eventsourcing

// Limits on identifiers, as the stores' columns hold them.
const (
	// MaxIDBytes is the longest aggregate id, event id and tenant id, in bytes.
	MaxIDBytes = 64
	// MaxTypeBytes is the longest aggregate type and event type, in bytes.
	MaxTypeBytes = 255
)
