package memory

import "hash/maphash"

// eventIDs is the set of the stored events' ids. It keeps each id as a 64-bit hash (seeded per
// store) mapped to the position of its event, so the garbage collector finds no pointer in it to
// follow and growing it hashes no string again. Membership is exact: a hash found is confirmed on
// the stored event, and an id whose hash a stored id of other text already has is kept as text.
type eventIDs struct {
	seed   maphash.Seed
	byHash map[uint64]int64    // hash -> position of the stored event with an id of that hash
	clash  map[string]struct{} // ids whose hash a stored id of other text had first
}

func newEventIDs() eventIDs {
	return eventIDs{seed: maphash.MakeSeed(), byHash: make(map[uint64]int64)}
}

func (s *eventIDs) hash(id string) uint64 { return maphash.String(s.seed, id) }

// hasHashed reports whether log holds an event with id, whose hash is h.
func (s *eventIDs) hasHashed(log *eventLog, h uint64, id string) bool {
	pos, ok := s.byHash[h]
	if !ok {
		return false
	}
	if log.at(pos).env.EventID == id {
		return true
	}
	_, ok = s.clash[id]
	return ok
}

// addHashed records id, new to the set and of hash h, as the id of the event at position pos.
func (s *eventIDs) addHashed(h uint64, id string, pos int64) {
	if _, taken := s.byHash[h]; !taken {
		s.byHash[h] = pos
		return
	}
	if s.clash == nil {
		s.clash = make(map[string]struct{})
	}
	s.clash[id] = struct{}{}
}
