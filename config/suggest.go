package config

import (
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/knadh/koanf/v2"
)

// suggestion returns the key (relative to [Root], a section or a value) that rel, a key the
// module does not read, most likely meant: one spelt alike but for case and separators
// (maxAttempts, max_attempts), else the nearest within a small edit distance, else the one key
// of another section with the same last name (store.interval: snapshot.interval). ok is false
// when no key is near enough.
func suggestion(rel string) (key string, ok bool) {
	var candidates []string
	for _, n := range nodes() {
		candidates = append(candidates, n.key)
	}
	if s, ok := nearest(rel, candidates); ok {
		return s, true
	}
	leaf := fold(rel[strings.LastIndex(rel, ".")+1:])
	var same []string
	for _, c := range candidates {
		if fold(c[strings.LastIndex(c, ".")+1:]) == leaf {
			same = append(same, c)
		}
	}
	if len(same) == 1 {
		return same[0], true
	}
	return "", false
}

// splitKey returns the key (relative to Root) that rel, a key the module does not read, and the
// keys of k below it spell with a "." where the key has a "-" or "_": outbox.max.attempts (a
// dotted YAML key, or a variable spelt with "_" for a key the module does not know) meant
// outbox.max-attempts.
func splitKey(k *koanf.Koanf, rel string) (string, bool) {
	undotted := func(s string) string { return strings.ReplaceAll(fold(s), ".", "") }
	for _, leaf := range k.Keys() {
		below, ok := strings.CutPrefix(leaf, Root+"."+rel+".")
		if !ok {
			continue
		}
		written := undotted(rel + "." + below)
		for _, n := range nodes() {
			if n.typ.Kind() != reflect.Struct && undotted(n.key) == written {
				return n.key, true
			}
		}
	}
	return "", false
}

// nearest returns the candidate closest to s: one equal to it once case and separators are
// ignored, else the one at the smallest edit distance within [tolerance] of s (the first of
// equals in candidates' order).
func nearest(s string, candidates []string) (string, bool) {
	folded := fold(s)
	best, bestDist := "", tolerance(s)+1
	for _, c := range candidates {
		if c == s {
			continue
		}
		if fold(c) == folded {
			return c, true
		}
		if d := editDistance(strings.ToLower(s), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// tolerance is how many edits a misspelling of a key as long as s may hold: one for short
// keys, two for most, three for long paths.
func tolerance(s string) int {
	switch n := utf8.RuneCountInString(s); {
	case n <= 5:
		return 1
	case n <= 12:
		return 2
	}
	return 3
}

// fold lower-cases s and drops "-" and "_": the spellings of one key in kebab, snake and camel
// case fold alike.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// misspeltRoot returns an *[Error] when one of keys (full koanf keys) sits under a near miss
// of [Root] (pyfly.event-sourcing, pyfly.eventSourcing, pyfly.event_sourcing, pyfly.event.sourcing
// as PYFLY_EVENT_SOURCING_… gives it, PyFly.eventsourcing): the module would not read it and
// would start on its defaults, in memory. nil otherwise.
func misspeltRoot(keys []string) error {
	rootParts := strings.Split(Root, ".") // pyfly, eventsourcing
	for _, k := range keys {
		parts := strings.Split(k, ".")
		if len(parts) < 2 || parts[0] == rootParts[0] && parts[1] == rootParts[1] {
			continue
		}
		if !near(parts[0], rootParts[0]) {
			continue
		}
		written := parts[:2]
		if !near(parts[1], rootParts[1]) {
			if len(parts) < 3 || fold(parts[1]+parts[2]) != rootParts[1] {
				continue
			}
			written = parts[:3]
		}
		return &Error{Key: showKey(strings.Join(written, ".")),
			Reason: "the module does not read this key; did you mean `" + Root + "`? " +
				"The settings under it are ignored, and the module would start on its defaults (in memory)"}
	}
	return nil
}

// near reports whether written is name misspelt: equal once case and separators are ignored,
// or within [tolerance] edits of name.
func near(written, name string) bool {
	return fold(written) == name || editDistance(strings.ToLower(written), name) <= tolerance(name)-1
}
