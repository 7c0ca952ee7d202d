// Package memory holds in-memory implementations of the event-sourcing stores: for development,
// tests and examples. They keep nothing across restarts, are safe for concurrent use, and copy
// envelopes in and out so that no caller or upcaster can corrupt what they hold.
package memory
