package inspect

import (
	"bytes"
	"fmt"
	"strconv"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// EventJSON writes e in the envelope's JSON form (es.Envelope's MarshalJSON) followed by its
// global_position, as a string.
func EventJSON(e es.Envelope) ([]byte, error) {
	b, err := e.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("inspect: the envelope's JSON is not an object: %.40q", b)
	}
	b = bytes.TrimSuffix(b, []byte("}"))
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, `"global_position":`...)
	b = strconv.AppendQuote(b, strconv.FormatInt(e.GlobalPosition, 10))
	return append(b, '}'), nil
}
