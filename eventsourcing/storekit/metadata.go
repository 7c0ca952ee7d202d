package storekit

import (
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// NormalizeMetadata returns metadata as [DecodeMetadata] gives it back from its JSON (numbers as
// float64, except integers beyond ±2^53, which stay exact as json.Number; structs as maps), a new
// map the caller owns, never nil; a value JSON cannot encode is es.ErrInvalidArgument.
func NormalizeMetadata(m map[string]any) (map[string]any, error) {
	out, err := jsoncopy.Normalize(m)
	if err != nil {
		return nil, invalid("metadata: values must be JSON-encodable: %v", err)
	}
	return out, nil
}

// DecodeMetadata decodes stored metadata JSON the way every store returns it: an empty text or {}
// is an empty map; numbers are float64 except integers beyond ±2^53, which stay exact as
// json.Number. A text that is not a JSON object matches es.ErrDecode.
func DecodeMetadata(raw []byte) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "{}" {
		return map[string]any{}, nil
	}
	m, err := jsoncopy.DecodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", es.ErrDecode, err)
	}
	return m, nil
}
