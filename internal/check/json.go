package check

import (
	"fmt"
	"unicode/utf8"

	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// Nesting limits of JSON documents, in levels: the outermost object is level 1, each array or
// object inside another one level more.
const (
	// MaxJSONDepth is the deepest nesting a payload, a snapshot or metadata may have when a store
	// is given it: well inside what every reader decodes (encoding/json stops at
	// [DecodeJSONDepth], other languages' parsers and PostgreSQL's JSON functions at a few
	// thousand levels or at their stack), and with room for the levels an envelope's JSON form
	// adds around them.
	MaxJSONDepth = 100
	// DecodeJSONDepth is the deepest nesting encoding/json decodes. A store reads back rows
	// nested up to here (written before [MaxJSONDepth] applied, or by another program) and
	// reports deeper ones as undecodable.
	DecodeJSONDepth = jsoncopy.MaxDepth
)

// JSONPayload checks, in one pass, that b is a single JSON object that every store can keep and
// every reader can decode: valid JSON syntax, valid UTF-8 inside and outside strings, no escaped
// NUL character (\u0000; an escaped backslash followed by "u0000" is fine) and nesting no deeper
// than MaxJSONDepth. It returns what is wrong, "" when nothing is.
func JSONPayload(b []byte) string { return JSONObject(b, MaxJSONDepth) }

// JSONObject is [JSONPayload] with nesting up to maxDepth levels: a store checks what it reads
// back with maxDepth [DecodeJSONDepth].
func JSONObject(b []byte, maxDepth int) string {
	if objectOK(b, maxDepth) {
		return ""
	}
	return parseObject(b, maxDepth)
}

// parseObject is [JSONObject] by recursive descent, which says what is wrong.
func parseObject(b []byte, maxDepth int) string {
	p := jsonParser{b: b, maxDepth: maxDepth}
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return "must be a JSON object"
	}
	p.value(0)
	if p.err == "" {
		p.space()
		if p.i < len(p.b) {
			p.fail("unexpected text after the object")
		}
	}
	return p.err
}

// jsonParser is a recursive-descent recogniser; it stops at the first problem.
type jsonParser struct {
	b        []byte
	i        int
	err      string
	maxDepth int
}

func (p *jsonParser) fail(format string, args ...any) {
	if p.err == "" {
		p.err = fmt.Sprintf("is not valid JSON: "+format+" at offset %d", append(args, p.i)...)
	}
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) {
	p.space()
	if p.i >= len(p.b) {
		p.fail("unexpected end")
		return
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.object(depth + 1)
	case c == '[':
		p.array(depth + 1)
	case c == '"':
		p.string()
	case c == '-' || (c >= '0' && c <= '9'):
		p.number()
	case c == 't':
		p.literal("true")
	case c == 'f':
		p.literal("false")
	case c == 'n':
		p.literal("null")
	default:
		p.fail("unexpected character %q", c)
	}
}

func (p *jsonParser) object(depth int) {
	if depth > p.maxDepth {
		p.err = deeperThan(p.maxDepth)
		return
	}
	p.i++ // {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return
	}
	for p.err == "" {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			p.fail("expected a string key")
			return
		}
		p.string()
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			p.fail("expected ':'")
			return
		}
		p.i++
		p.value(depth)
		p.space()
		if p.i >= len(p.b) {
			p.fail("unexpected end")
			return
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return
		default:
			p.fail("expected ',' or '}'")
		}
	}
}

func (p *jsonParser) array(depth int) {
	if depth > p.maxDepth {
		p.err = deeperThan(p.maxDepth)
		return
	}
	p.i++ // [
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return
	}
	for p.err == "" {
		p.value(depth)
		p.space()
		if p.i >= len(p.b) {
			p.fail("unexpected end")
			return
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return
		default:
			p.fail("expected ',' or ']'")
		}
	}
}

// deeperThan is the problem of a document nested deeper than maxDepth levels.
func deeperThan(maxDepth int) string { return fmt.Sprintf("nests deeper than %d levels", maxDepth) }

// plainByte marks the bytes a JSON string holds as they are: printable ASCII but '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (p *jsonParser) string() {
	p.i++ // opening quote
	b := p.b
	for p.i < len(b) {
		// Most of a payload is plain ASCII in strings: skip it in a tight loop.
		i := p.i
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		p.i = i
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			p.i++
			return
		case c == '\\':
			p.escape()
			if p.err != "" {
				return
			}
		case c < 0x20:
			p.fail("control character %#x in a string", c)
			return
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.err = fmt.Sprintf("must be valid UTF-8: invalid byte %#x at offset %d", c, p.i)
				return
			}
			p.i += size
		}
	}
	p.fail("unterminated string")
}

func (p *jsonParser) escape() {
	if p.i+1 >= len(p.b) {
		p.i++
		p.fail("unterminated escape")
		return
	}
	switch p.b[p.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.i += 2
	case 'u':
		if p.i+6 > len(p.b) {
			p.fail("short \\u escape")
			return
		}
		v, ok := hex4(p.b[p.i+2 : p.i+6])
		if !ok {
			p.fail("bad \\u escape")
			return
		}
		if v == 0 {
			p.err = "must not contain NUL characters (\\u0000)"
			return
		}
		p.i += 6
	default:
		p.fail("bad escape \\%c", p.b[p.i+1])
	}
}

// hex4 returns the value of the four hexadecimal digits of a \u escape, false when h has another
// character.
func hex4(h []byte) (int, bool) {
	v := 0
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

func (p *jsonParser) number() {
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		p.fail("bad number")
		return
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !p.digits() {
			p.fail("bad number")
			return
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			p.fail("bad number")
		}
	}
}

// digits consumes one or more digits and reports whether there was one.
func (p *jsonParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

func (p *jsonParser) literal(word string) {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		p.fail("unexpected character %q", p.b[p.i])
		return
	}
	p.i += len(word)
}
