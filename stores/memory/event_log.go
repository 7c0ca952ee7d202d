package memory

import es "github.com/gofly/eventsourcing/eventsourcing"

// chunkSize is how many envelopes one chunk of the log holds.
const chunkSize = 512

// eventLog is the global stream, position p at index p-1. It grows by whole chunks, so an append
// never copies the events already stored.
type eventLog struct {
	chunks [][]es.Envelope
	n      int64
}

// add stores e at the next position and returns it.
func (l *eventLog) add(e es.Envelope) int64 {
	if l.n%chunkSize == 0 {
		l.chunks = append(l.chunks, make([]es.Envelope, 0, chunkSize))
	}
	last := len(l.chunks) - 1
	e.GlobalPosition = l.n + 1
	l.chunks[last] = append(l.chunks[last], e)
	l.n++
	return l.n
}

// at returns the envelope at position p (1 ≤ p ≤ n).
func (l *eventLog) at(p int64) *es.Envelope {
	i := p - 1
	return &l.chunks[i/chunkSize][i%chunkSize]
}
