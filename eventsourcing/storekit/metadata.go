package storekit

import "github.com/gofly/eventsourcing/internal/jsoncopy"

// NormalizeMetadata returns metadata as JSON would give it back (numbers as float64, structs as
// maps), a new map the caller owns, never nil; a value JSON cannot encode is es.ErrInvalidArgument.
func NormalizeMetadata(m map[string]any) (map[string]any, error) {
	out, err := jsoncopy.Normalize(m)
	if err != nil {
		return nil, invalid("metadata: values must be JSON-encodable: %v", err)
	}
	return out, nil
}
