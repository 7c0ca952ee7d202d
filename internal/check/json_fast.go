package check

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// fastDepth is the deepest nesting [objectOK] follows; deeper documents take the recursive
// parser.
const fastDepth = 64

// objectOK reports whether b is one JSON object that [JSONObject] accepts at maxDepth: the same
// rules, checked with fewer steps per token (no error to build, white space skipped only where
// there is some, strings scanned eight bytes at a time). It may say no to a text JSONObject
// accepts (nesting deeper than [fastDepth]), never yes to one it refuses, so JSONObject runs it
// first and its parser, which says what is wrong, only after a no.
func objectOK(b []byte, maxDepth int) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = objectEnd(b, i, 1, min(maxDepth, fastDepth))
	return i >= 0 && skipSpace(b, i) == len(b)
}

// objectEnd returns the index after the object that starts at b[i], at nesting level depth
// (at most maxDepth), or -1.
func objectEnd(b []byte, i, depth, maxDepth int) int {
	if depth > maxDepth {
		return -1
	}
	if i = spaceEnd(b, i+1); i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		if i = stringEnd(b, i); i < 0 {
			return -1
		}
		if i = spaceEnd(b, i); i >= len(b) || b[i] != ':' {
			return -1
		}
		if i = valueEnd(b, spaceEnd(b, i+1), depth, maxDepth); i < 0 {
			return -1
		}
		var done bool
		if i, done = afterMember(b, i, '}'); i < 0 || done {
			return i
		}
	}
}

// arrayEnd returns the index after the array that starts at b[i], at nesting level depth (at
// most maxDepth), or -1.
func arrayEnd(b []byte, i, depth, maxDepth int) int {
	if depth > maxDepth {
		return -1
	}
	if i = spaceEnd(b, i+1); i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		if i = valueEnd(b, i, depth, maxDepth); i < 0 {
			return -1
		}
		var done bool
		if i, done = afterMember(b, i, ']'); i < 0 || done {
			return i
		}
	}
}

// afterMember reads what follows a member of a container that end closes: a comma (it returns
// the index of the next member and false) or end (the index after it and true); -1 otherwise.
func afterMember(b []byte, i int, end byte) (int, bool) {
	if i = spaceEnd(b, i); i >= len(b) {
		return -1, false
	}
	switch b[i] {
	case ',':
		return spaceEnd(b, i+1), false
	case end:
		return i + 1, true
	}
	return -1, false
}

// valueEnd returns the index after the value that starts at b[i], found in a container at
// nesting level depth, or -1.
func valueEnd(b []byte, i, depth, maxDepth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return stringEnd(b, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return numberEnd(b, i)
	case c == '{':
		return objectEnd(b, i, depth+1, maxDepth)
	case c == '[':
		return arrayEnd(b, i, depth+1, maxDepth)
	case c == 't':
		return literalEnd(b, i, "true")
	case c == 'f':
		return literalEnd(b, i, "false")
	case c == 'n':
		return literalEnd(b, i, "null")
	}
	return -1
}

// spaceEnd returns the index of the first byte from b[i] on that is not white space; every
// token starts above ' '.
func spaceEnd(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' {
		return i
	}
	return skipSpace(b, i)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// Masks for testing the eight bytes of a word at once.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// zeroBytes marks the lowest zero byte of v exactly (its high bit set in the result); bytes above
// it may be marked too.
func zeroBytes(v uint64) uint64 { return (v - lowBits) & ^v & highBits }

// stringEnd returns the index after the JSON string that starts with the quote at b[i], or -1
// when it is not one [JSONObject] accepts: an unknown escape, an escaped NUL, a control
// character, invalid UTF-8 or no closing quote.
func stringEnd(b []byte, i int) int {
	i++
	for {
		// Skip plain bytes (printable ASCII but the quote and the backslash) eight at a time:
		// the lowest marked byte of the word is the first that is not plain.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			m := zeroBytes(x^(lowBits*'"')) | zeroBytes(x^(lowBits*'\\')) | zeroBytes(x&(lowBits*0xe0)) | x&highBits
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			if i = escapeEnd(b, i); i < 0 {
				return -1
			}
		case c < 0x20:
			return -1
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return -1
			}
			i += size
		}
	}
}

// escapeEnd returns the index after the escape at b[i], -1 for one JSONObject refuses.
func escapeEnd(b []byte, i int) int {
	if i+1 >= len(b) {
		return -1
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2
	case 'u':
		if i+6 > len(b) {
			return -1
		}
		if v, ok := hex4(b[i+2 : i+6]); !ok || v == 0 {
			return -1
		}
		return i + 6
	}
	return -1
}

// numberEnd returns the index after the JSON number at b[i], -1 when there is none.
func numberEnd(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digitsEnd(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsEnd(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// literalEnd returns the index after word at b[i], -1 when it is not there.
func literalEnd(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}
