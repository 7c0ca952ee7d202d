package memory

import (
	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// record is an event as the store keeps it. Metadata of plain values only (strings, bools, null
// and finite numbers: the usual case) is kept as a list of entries, one small object with few
// pointers for the garbage collector to follow instead of a map's two larger ones; other
// metadata as a map of the store's own. The store never changes a record nor hands it out:
// readers get copies.
type record struct {
	env  es.Envelope // env.Metadata is nil when meta holds the metadata
	meta []metaEntry
	prev int64 // the position of the event before it in its stream (0: it is the first), once stored
}

// metaEntry is one key and plain value of a record's metadata.
type metaEntry struct {
	key   string
	value any
}

// keepMetadata returns the form in which a record keeps m (see [record]): entries when m holds
// plain values only, else a normalised copy.
func keepMetadata(m map[string]any) (map[string]any, []metaEntry, error) {
	if entries, ok := plainEntries(m); ok {
		return nil, entries, nil
	}
	md, err := storekit.NormalizeMetadata(m)
	return md, nil, err
}

// plainEntries returns the entries of m when each is one jsoncopy.Normalize keeps as it is.
func plainEntries(m map[string]any) ([]metaEntry, bool) {
	if len(m) == 0 {
		return nil, true
	}
	out := make([]metaEntry, 0, len(m))
	for k, v := range m {
		if !jsoncopy.KeptAsIs(k, v) {
			return nil, false
		}
		out = append(out, metaEntry{key: k, value: v})
	}
	return out, true
}

// envelope returns a copy of the event that shares nothing with the record.
func (r *record) envelope() es.Envelope {
	e := r.env
	e.Payload = jsoncopy.Raw(e.Payload)
	if e.Metadata != nil {
		e.Metadata = jsoncopy.Map(e.Metadata)
		return e
	}
	e.Metadata = make(map[string]any, len(r.meta))
	for _, kv := range r.meta {
		e.Metadata[kv.key] = kv.value
	}
	return e
}
