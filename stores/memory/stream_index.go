package memory

import "hash/maphash"

// streamIndex finds each aggregate's stream: its length and the position of its last event; each
// record links to the event before it in its stream ([record.prev]). Streams are keyed by a 64-bit
// hash of the aggregate id (seeded per store), so the index holds no pointer for the garbage
// collector to follow, a new stream allocates nothing of its own, and growing the index hashes no
// string again. A hash found is confirmed on the stream's last event; an aggregate id whose hash a
// stream of another id has first is kept as text.
type streamIndex struct {
	seed   maphash.Seed
	byHash map[uint64]streamHead
	clash  map[string]streamHead // streams whose id's hash another stream had first
}

// streamHead is one stream: n events, the last at position last (0 when n is 0).
type streamHead struct {
	last, n int64
}

// streamRef is where a stream is, or would be, kept in a streamIndex.
type streamRef struct {
	hash    uint64
	inClash bool // kept (or to keep) in clash, not byHash
	head    streamHead
}

func newStreamIndex() streamIndex {
	return streamIndex{seed: maphash.MakeSeed(), byHash: make(map[uint64]streamHead)}
}

// hash returns the hash of aggregateID in x.
func (x *streamIndex) hash(aggregateID string) uint64 { return maphash.String(x.seed, aggregateID) }

// find returns aggregateID's stream (an empty one when the store has none).
func (x *streamIndex) find(log *eventLog, aggregateID string) streamRef {
	return x.findHashed(log, x.hash(aggregateID), aggregateID)
}

// findHashed is find for an aggregateID whose hash h is.
func (x *streamIndex) findHashed(log *eventLog, h uint64, aggregateID string) streamRef {
	ref := streamRef{hash: h}
	head, ok := x.byHash[ref.hash]
	if !ok {
		return ref
	}
	if log.at(head.last).env.AggregateID == aggregateID {
		ref.head = head
		return ref
	}
	ref.inClash = true
	ref.head = x.clash[aggregateID]
	return ref
}

// set stores head as aggregateID's stream, where ref (from find, under the same lock) says.
func (x *streamIndex) set(ref streamRef, aggregateID string, head streamHead) {
	if !ref.inClash {
		x.byHash[ref.hash] = head
		return
	}
	if x.clash == nil {
		x.clash = make(map[string]streamHead)
	}
	x.clash[aggregateID] = head
}

// back returns the position of the event k events before the one at position pos in its stream
// (pos itself when k is 0).
func (l *eventLog) back(pos, k int64) int64 {
	for ; k > 0; k-- {
		pos = l.at(pos).prev
	}
	return pos
}

// positionOf returns the position of the event at sequence seq (1 ≤ seq ≤ head.n) of the stream.
func (l *eventLog) positionOf(head streamHead, seq int64) int64 {
	return l.back(head.last, head.n-seq)
}
