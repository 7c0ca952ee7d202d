package memory

import "hash/maphash"

// streamIndex finds each aggregate's stream: its length and the position of its last event; each
// record links to the event before it in its stream ([record.prev]). Streams are keyed by a 64-bit
// hash of the aggregate id (seeded per store), so the index of short streams holds no pointer for
// the garbage collector to follow, a new stream allocates nothing of its own, and growing the
// index hashes no string again. A hash found is confirmed on the stream's last event; an
// aggregate id whose hash a stream of another id has first is kept as text. A stream longer than
// [linkWalk] events also keeps its positions in a slice, so that finding any of its events takes
// no long walk.
type streamIndex struct {
	seed      maphash.Seed
	byHash    map[uint64]streamHead
	clash     map[string]streamHead // streams whose id's hash another stream had first
	long      map[uint64][]int64    // positions of the streams of byHash longer than linkWalk
	longClash map[string][]int64    // positions of the streams of clash longer than linkWalk
}

// linkWalk is the most links a lookup of a stream's event follows back.
const linkWalk = 64

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
	head, ok := x.byHash[h]
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

// positions returns the positions slice of the stream ref names (nil when it keeps none).
func (x *streamIndex) positions(ref streamRef, aggregateID string) []int64 {
	if ref.inClash {
		return x.longClash[aggregateID]
	}
	return x.long[ref.hash]
}

// grew stores head as aggregateID's stream, where ref (from find, under the same lock) says,
// after events at the positions first, first+1… up to head.last were appended to it.
func (x *streamIndex) grew(log *eventLog, ref streamRef, aggregateID string, head streamHead, first int64) {
	if !ref.inClash {
		x.byHash[ref.hash] = head
	} else {
		if x.clash == nil {
			x.clash = make(map[string]streamHead)
		}
		x.clash[aggregateID] = head
	}
	if head.n <= linkWalk {
		return
	}
	ps := x.positions(ref, aggregateID)
	if ps == nil { // it outgrew the links now: the positions before these, from the links
		ps = make([]int64, ref.head.n, head.n)
		for i, p := len(ps)-1, ref.head.last; i >= 0; i-- {
			ps[i] = p
			p = log.at(p).prev
		}
	}
	for p := first; p <= head.last; p++ {
		ps = append(ps, p)
	}
	if !ref.inClash {
		if x.long == nil {
			x.long = make(map[uint64][]int64)
		}
		x.long[ref.hash] = ps
		return
	}
	if x.longClash == nil {
		x.longClash = make(map[string][]int64)
	}
	x.longClash[aggregateID] = ps
}

// positionOf returns the position of the event at sequence seq (1 ≤ seq ≤ ref.head.n) of the
// stream ref names, aggregateID's.
func (x *streamIndex) positionOf(log *eventLog, ref streamRef, aggregateID string, seq int64) int64 {
	if ref.head.n > linkWalk {
		return x.positions(ref, aggregateID)[seq-1]
	}
	pos := ref.head.last
	for k := ref.head.n - seq; k > 0; k-- {
		pos = log.at(pos).prev
	}
	return pos
}
