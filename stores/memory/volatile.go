package memory

// Volatile reports that the store keeps nothing across restarts: a projection runner over it
// needs no durable checkpoint (and does not warn about its in-memory default).
func (s *EventStore) Volatile() bool { return true }
