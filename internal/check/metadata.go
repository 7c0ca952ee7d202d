package check

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// Metadata says what is wrong with metadata a store is given, "" when nothing is, and where:
// the path of keys and indexes from the top map to the value at fault (`["a"][2]`, "" for the map
// itself). Metadata must encode as JSON that every store keeps and every reader decodes alike:
//   - nesting no deeper than maxDepth levels, the map itself being the first ([MaxJSONDepth]
//     for what a caller gives; [DecodeJSONDepth] for what a store read back);
//   - no map or list that contains itself (a cycle), through any path;
//   - numbers JSON can hold: no NaN, +Inf or -Inf;
//   - keys of valid UTF-8: JSON would replace invalid bytes with U+FFFD, and two keys could
//     become one;
//   - values encoding/json can encode (no channels or functions, no failing MarshalJSON).
//
// Invalid UTF-8 inside string values is not refused: every store keeps it as JSON does, as
// U+FFFD. Values of other types than the ones JSON decodes into and map[string]string (structs,
// other typed maps and slices) are checked through their JSON encoding, which writes invalid
// UTF-8 in their keys as U+FFFD on every store alike.
func Metadata(m map[string]any, maxDepth int) (where, problem string) {
	if flat(m) {
		return "", ""
	}
	w := metaWalker{maxDepth: maxDepth}
	if p := w.object(m, 1); p != "" {
		slices.Reverse(w.path)
		return w.where(), p
	}
	return "", ""
}

// flat reports whether m holds only keys of valid UTF-8 and strings, bools, nil and finite
// numbers: the usual metadata, fine without a walk.
func flat(m map[string]any) bool {
	for k, v := range m {
		if !utf8.ValidString(k) {
			return false
		}
		switch x := v.(type) {
		case string, bool, nil:
		case float64:
			if finite(x) != "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// metaWalker walks metadata depth first.
type metaWalker struct {
	maxDepth int
	open     jsoncopy.Path // the maps and lists on the path, to find one inside itself
	path     []any         // after a problem: the string keys and int indexes up to it, innermost first
}

// object checks the map m at nesting level depth.
func (w *metaWalker) object(m map[string]any, depth int) string {
	if p := w.enter(m, depth); p != "" {
		return p
	}
	for k, v := range m {
		p := ""
		if !utf8.ValidString(k) {
			p = "a key must be valid UTF-8"
		} else {
			p = w.value(v, depth)
		}
		if p != "" {
			w.path = append(w.path, k)
			return p
		}
	}
	w.open.Leave()
	return ""
}

// list checks the list l at nesting level depth.
func (w *metaWalker) list(l []any, depth int) string {
	if p := w.enter(l, depth); p != "" {
		return p
	}
	for i, v := range l {
		if p := w.value(v, depth); p != "" {
			w.path = append(w.path, i)
			return p
		}
	}
	w.open.Leave()
	return ""
}

// stringMap checks the keys of a map of strings at nesting level depth.
func (w *metaWalker) stringMap(m map[string]string, depth int) string {
	if depth > w.maxDepth {
		return deeperThan(w.maxDepth)
	}
	for k := range m {
		if !utf8.ValidString(k) {
			w.path = append(w.path, k)
			return "a key must be valid UTF-8"
		}
	}
	return ""
}

// enter starts a map or list at nesting level depth: it refuses one deeper than w.maxDepth or
// already on the path.
func (w *metaWalker) enter(v any, depth int) string {
	if depth > w.maxDepth {
		return deeperThan(w.maxDepth)
	}
	if !w.open.Enter(v) {
		return "a map or list contains itself (a cycle)"
	}
	return ""
}

// value checks v, found in a map or list at nesting level depth.
func (w *metaWalker) value(v any, depth int) string {
	var p string
	switch x := v.(type) {
	case nil, string, bool, int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8:
	case float64:
		p = finite(x)
	case float32:
		p = finite(float64(x))
	case map[string]any:
		p = w.object(x, depth+1)
	case []any:
		p = w.list(x, depth+1)
	case map[string]string:
		p = w.stringMap(x, depth+1)
	case []string:
		if depth+1 > w.maxDepth {
			p = deeperThan(w.maxDepth)
		}
	default:
		p = w.encodable(x, depth+1)
	}
	return p
}

// finite refuses the numbers JSON cannot hold.
func finite(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprintf("%v is not a JSON number", f)
	}
	return ""
}

// encodable checks a value of another type through its JSON encoding, which starts at nesting
// level depth when it is an array or object. encoding/json refuses NaN, infinities, cycles
// through pointers, channels and functions.
func (w *metaWalker) encodable(v any, depth int) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("cannot be encoded as JSON (%T): %v", v, err)
	}
	if nesting(raw) > w.maxDepth-depth+1 {
		return deeperThan(w.maxDepth)
	}
	return ""
}

// nesting returns the deepest nesting of arrays and objects in raw, outside strings (raw need not
// be valid JSON).
func nesting(raw []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// where writes the walker's path, the middle of a long one cut out.
func (w *metaWalker) where() string {
	const head, tail = 4, 2
	var b strings.Builder
	for i, k := range w.path {
		if len(w.path) > head+tail+1 && i == head {
			b.WriteString("…")
		}
		if len(w.path) > head+tail+1 && i >= head && i < len(w.path)-tail {
			continue
		}
		switch k := k.(type) {
		case string:
			if len(k) > 40 {
				k = k[:40] + "…"
			}
			b.WriteString("[" + strconv.Quote(k) + "]")
		case int:
			b.WriteString("[" + strconv.Itoa(k) + "]")
		}
	}
	return b.String()
}
