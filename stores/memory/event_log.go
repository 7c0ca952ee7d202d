package memory

// chunkSize is how many records one chunk of the log holds.
const chunkSize = 512

// eventLog is the global stream, position p at index p-1. It grows by whole chunks, so an append
// never copies the records already stored.
type eventLog struct {
	chunks [][]record
	n      int64
}

// add stores r at the next position and returns it.
func (l *eventLog) add(r *record) int64 {
	if l.n%chunkSize == 0 {
		l.chunks = append(l.chunks, make([]record, 0, chunkSize))
	}
	last := len(l.chunks) - 1
	c := append(l.chunks[last], *r)
	l.n++
	c[len(c)-1].env.GlobalPosition = l.n
	l.chunks[last] = c
	return l.n
}

// at returns the record at position p (1 ≤ p ≤ n).
func (l *eventLog) at(p int64) *record {
	i := p - 1
	return &l.chunks[i/chunkSize][i%chunkSize]
}
