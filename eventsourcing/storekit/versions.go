package storekit

import (
	"github.com/gofly/eventsourcing/eventsourcing/inspect"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// VersionRecords are the records of projections' versions that a store's list of checkpoints
// holds beside the checkpoints themselves (see projection.WithVersion): the active version and
// the live-from positions, by projection name.
type VersionRecords struct {
	active map[string]int64
	live   map[string]map[int]int64
}

// SplitVersionRecords takes the records of versions out of ps, a store's projections listed
// by checkpoint key, and returns the checkpoints (with their dead letters) and the records.
// Run it before measuring the lag of each: a record's position is no checkpoint.
func SplitVersionRecords(ps []inspect.Projection) ([]inspect.Projection, VersionRecords) {
	recs := VersionRecords{active: map[string]int64{}, live: map[string]map[int]int64{}}
	out := ps[:0:0]
	for _, p := range ps {
		name, version, record := projection.SplitCheckpointName(p.Name)
		switch record {
		case projection.RecordActive:
			recs.active[name] = p.Position
		case projection.RecordLive:
			if recs.live[name] == nil {
				recs.live[name] = map[int]int64{}
			}
			recs.live[name][version] = p.Position
		default:
			out = append(out, p)
		}
	}
	return out, recs
}

// Apply names each of ps, listed by checkpoint key, by its projection and version, and tells
// the role of each version of a versioned projection from the records: the active one, one
// above it catching up, one below it handing off until its checkpoint reaches the handoff
// position (the active version's live-from position), then superseded.
func (r VersionRecords) Apply(ps []inspect.Projection) {
	for i := range ps {
		p := &ps[i]
		name, version, _ := projection.SplitCheckpointName(p.Name)
		p.Name, p.Version = name, version
		active, ok := r.active[name]
		switch {
		case !ok:
		case int64(version) == active:
			p.Role = string(projection.RoleActive)
		case int64(version) > active:
			p.Role = string(projection.RoleCatchingUp)
		default:
			p.Role = string(projection.RoleSuperseded)
			if h, ok := r.live[name][int(active)]; ok && p.Position < h {
				p.Role = string(projection.RoleHandingOff)
			}
		}
	}
}
