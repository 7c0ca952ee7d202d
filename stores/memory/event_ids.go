package memory

import (
	"hash/maphash"
	"sort"
)

// eventIDs is the set of the stored events' ids. Ids made by es.NewEnvelope are ordered by the
// time they name, so most arrive greater than every id stored before them: such an id is kept
// only as its event's position, appended to ordered (the ids at those positions increase), and
// an id greater than the greatest stored is known new without a look-up. The others (ids a caller
// chose, or made by writers that commit in another order than they made them) are kept as a
// 64-bit hash (seeded per store) mapped to the position of the event, so the garbage collector
// finds no pointer in either to follow and growing them hashes no string again. Membership is
// exact: a position found is confirmed on the stored event, and an id whose hash a stored id of
// other text already has is kept as text, with its position.
type eventIDs struct {
	seed    maphash.Seed
	max     string           // the greatest id stored, "" when none (every id has a byte)
	ordered []int64          // positions of the events whose ids were greater than every id before them
	byHash  map[uint64]int64 // hash -> position of the stored event with an id of that hash, for the others
	clash   map[string]int64 // ids of byHash's kind whose hash a stored id of other text had first
}

func newEventIDs() eventIDs {
	return eventIDs{seed: maphash.MakeSeed(), byHash: make(map[uint64]int64)}
}

func (s *eventIDs) hash(id string) uint64 { return maphash.String(s.seed, id) }

// has reports whether log holds an event with id.
func (s *eventIDs) has(log *eventLog, id string) bool {
	_, ok := s.find(log, id)
	return ok
}

// find returns the position of the event of log with id, if log holds one.
func (s *eventIDs) find(log *eventLog, id string) (int64, bool) {
	if id > s.max {
		return 0, false
	}
	if pos, ok := s.inOrdered(log, id); ok {
		return pos, true
	}
	return s.hashed(log, s.hash(id), id)
}

// inOrdered returns the position of the event of ordered with id, if there is one. It searches
// from the newest back in growing steps, then by halves: an id made a moment before the last
// commits is found among the positions the cache still holds.
func (s *eventIDs) inOrdered(log *eventLog, id string) (int64, bool) {
	o := s.ordered
	idAt := func(i int) string { return log.at(o[i]).env.EventID }
	hi, step := len(o), 1 // every id of o[hi:] is greater than id
	lo := hi - step
	for lo > 0 && idAt(lo) > id {
		hi, step = lo, step*2
		lo = hi - step
	}
	lo = max(lo, 0)
	i := lo + sort.Search(hi-lo, func(k int) bool { return idAt(lo+k) >= id })
	if i < len(o) && idAt(i) == id {
		return o[i], true
	}
	return 0, false
}

// hashed returns the position of the event of log with id, whose hash is h, among byHash and
// clash, if there is one.
func (s *eventIDs) hashed(log *eventLog, h uint64, id string) (int64, bool) {
	if len(s.byHash) == 0 {
		return 0, false
	}
	pos, ok := s.byHash[h]
	if !ok {
		return 0, false
	}
	if log.at(pos).env.EventID == id {
		return pos, true
	}
	pos, ok = s.clash[id]
	return pos, ok
}

// add records id, new to the set, as the id of the event at position pos, which log holds.
func (s *eventIDs) add(log *eventLog, id string, pos int64) {
	if id > s.max {
		s.ordered = append(s.ordered, pos)
		s.max = log.at(pos).env.EventID // the stored copy, not the caller's string
		return
	}
	s.addHashed(s.hash(id), id, pos)
}

// addHashed records id, new to the set and of hash h, in byHash (or clash) as the id of the
// event at position pos.
func (s *eventIDs) addHashed(h uint64, id string, pos int64) {
	if _, taken := s.byHash[h]; !taken {
		s.byHash[h] = pos
		return
	}
	if s.clash == nil {
		s.clash = make(map[string]int64)
	}
	s.clash[id] = pos
}
