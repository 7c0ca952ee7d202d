package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"

	"github.com/gofly/eventsourcing/internal/check"
)

// leaf is one value of a YAML source: the key it sets, as segments, and how it was written.
type leaf struct {
	segs    []string // the key: pyfly, eventsourcing, enabled
	written []string // the YAML keys that led to it: "pyfly.eventsourcing.enabled", or pyfly, eventsourcing, enabled
	value   any
}

func (l leaf) key() string { return strings.Join(l.segs, ".") }

// spelt shows how l was written: its YAML keys, each nested in the one before.
func (l leaf) spelt() string { return showKey(strings.Join(l.written, ": ")) }

// expandDotted returns k with every key written with dots in one YAML key that spells a key
// the module reads set as the nested key it spells, as Spring's and koanf's own lookups read it:
// `pyfly.eventsourcing.enabled: true` at the top, `eventsourcing.enabled: true` under pyfly and
// `store.provider: bun` under pyfly.eventsourcing all set pyfly.eventsourcing.store.provider,
// which the decoder would otherwise not see. Only a key that lies under pyfly.eventsourcing, or
// that is one of the keys of pyfly's data module the module reads (see [readsDotted]), is
// expanded; every other key stays exactly as written, whatever dots it holds (pyfly's
// logging.level names loggers with dots, an application's Kafka settings hold
// bootstrap.servers), and is never reported. A name under pyfly.eventsourcing.projection.versions
// or pyfly.data.relational.datasources is kept whole when it is written as a key of that map.
// pyflyOnly keeps only the keys under pyfly (the rest is not read). A key the module reads set
// twice, once with dots and once nested, to different values, or set to a value while another
// key is set under it, is an *[Error] naming the key and both spellings; source, when not "",
// says where. k is returned as it is when no key the module reads is written with dots and
// pyflyOnly is false.
func expandDotted(k *koanf.Koanf, source string, pyflyOnly bool) (*koanf.Koanf, error) {
	var leaves []leaf
	dotted := false
	var tooDeep error
	var walk func(m map[string]any, segs, written []string)
	walk = func(m map[string]any, segs, written []string) {
		keys := make([]string, 0, len(m))
		for rk := range m {
			keys = append(keys, rk)
		}
		slices.Sort(keys)
		for _, rk := range keys {
			split := splitDotted(segs, rk)
			if split == nil {
				split = []string{rk}
				if full := strings.Join(append(slices.Clip(segs), rk), "."); strings.HasPrefix(full, Root+".") && tooDeep == nil {
					tooDeep = &Error{Key: showKey(check.Clip(full, 200)), Reason: fmt.Sprintf(
						"unknown key: more than %d dot-separated parts, deeper than any key the module reads", maxDottedSegments)}
				}
			}
			s := append(slices.Clip(segs), split...)
			w := append(slices.Clip(written), rk)
			if pyflyOnly && s[0] != "pyfly" {
				continue
			}
			if sub, ok := m[rk].(map[string]any); ok && len(sub) > 0 {
				walk(sub, s, w)
				continue
			}
			l := leaf{segs: s, written: w, value: m[rk]}
			if l.expanded() && len(s) != len(w) {
				dotted = true
			}
			leaves = append(leaves, l)
		}
	}
	walk(k.Raw(), nil, nil)
	if tooDeep != nil {
		return nil, tooDeep
	}
	if !dotted && !pyflyOnly {
		return k, nil
	}
	where := ""
	if source != "" {
		where = " in " + source
	}
	// The keys placed as they are spelt (those the module reads, and those written without
	// dots) are checked against one another; a conflict among them involves a key the module
	// reads written with dots, since YAML's own nesting has none.
	byKey := map[string]int{}       // the index in leaves of the first leaf of each key, by its segments
	sections := map[string]string{} // each key with keys under it: one of those
	for i, l := range leaves {
		if !l.expanded() {
			continue
		}
		id := strings.Join(l.segs, "\x00")
		if first, ok := byKey[id]; ok {
			if prev := leaves[first]; !sameSetting(l.key(), prev.value, l.value) {
				return nil, &Error{Key: showKey(l.key()), Reason: fmt.Sprintf(
					"set twice%s, to %s (written %s) and to %s (written %s); a key written with dots spells the same setting "+
						"as the nested keys: keep one", where, describeValue(prev.value), prev.spelt(), describeValue(l.value), l.spelt())}
			}
			continue
		}
		byKey[id] = i
		for j := 1; j < len(l.segs); j++ {
			sections[strings.Join(l.segs[:j], "\x00")] = l.key()
		}
	}
	root := map[string]any{}
	for i, l := range leaves {
		path := l.written // a key the module does not read stays as written
		if l.expanded() {
			id := strings.Join(l.segs, "\x00")
			if byKey[id] != i {
				continue // the same value, set twice
			}
			if under, ok := sections[id]; ok {
				if m, isMap := l.value.(map[string]any); isMap && len(m) == 0 {
					continue // an empty section, filled by the keys under it
				}
				return nil, &Error{Key: showKey(l.key()), Reason: fmt.Sprintf(
					"set to %s (written %s)%s while %s is set under it; a key written with dots spells the nested keys: "+
						"keep the value or the keys under it", describeValue(l.value), l.spelt(), where, showKey(under))}
			}
			path = l.segs
		}
		m := root
		for _, s := range path[:len(path)-1] {
			sub, ok := m[s].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[s] = sub
			}
			m = sub
		}
		m[path[len(path)-1]] = l.value
	}
	out := koanf.New(".")
	if err := out.Load(confmap.Provider(root, ""), nil); err != nil {
		return nil, &Error{File: source, Reason: "cannot be read", Err: err}
	}
	return out, nil
}

// expanded reports whether l is placed at the key it spells rather than as written: when it
// was written without dots (both are the same), or when it is a key the module reads.
func (l leaf) expanded() bool {
	return len(l.segs) == len(l.written) && !slices.ContainsFunc(l.written, func(w string) bool {
		return strings.Contains(w, ".")
	}) || readsDotted(l.segs)
}

// readsDotted reports whether key (its segments) is one a key written with dots may spell: a
// key under pyfly.eventsourcing, pyfly.data.relational.url or ddl-auto (ddl_auto), or the url of
// a datasource of pyfly.data.relational.datasources.
func readsDotted(key []string) bool {
	return len(key) >= 2 && key[0] == "pyfly" && key[1] == "eventsourcing" || readsDataKey(key)
}

// readsDataKey reports whether key (its segments) is one of pyfly's data module the module
// reads: pyfly.data.relational.url, ddl-auto (ddl_auto), or the url of a datasource of
// pyfly.data.relational.datasources.
func readsDataKey(key []string) bool {
	switch strings.Join(key, ".") {
	case DataRelationalURLKey, DataRelationalDDLAutoKey, strings.ReplaceAll(DataRelationalDDLAutoKey, "-", "_"):
		return true
	}
	ds := strings.Split(DataRelationalDatasourcesKey, ".")
	return len(key) == len(ds)+2 && slices.Equal(key[:len(ds)], ds) && key[len(key)-1] == "url"
}

// splitDotted returns the segments of rk, a YAML key under the key segs: rk itself when segs
// is a map of names (a projection's, a datasource's, which may hold a "."), or when rk has an
// empty segment; else its parts between dots, where what follows
// pyfly.eventsourcing.projection.versions is one projection's name, and what follows
// pyfly.data.relational.datasources one datasource's name (up to a last part url).
// It returns nil for a key deeper than [maxDottedSegments].
func splitDotted(segs []string, rk string) []string {
	if namesMap(strings.Join(segs, ".")) || !strings.Contains(rk, ".") {
		return []string{rk}
	}
	parts := strings.Split(rk, ".")
	if slices.Contains(parts, "") {
		return []string{rk}
	}
	versions := Root + ".projection.versions"
	// No prefix longer than the names maps' keys can be one (so a key of many dots costs a few
	// joins, not one per dot).
	deepest := max(strings.Count(versions, "."), strings.Count(DataRelationalDatasourcesKey, ".")) + 1
	for i := 1; i < len(parts) && len(segs)+i <= deepest; i++ {
		switch strings.Join(append(slices.Clip(segs), parts[:i]...), ".") {
		case versions:
			return append(parts[:i:i], strings.Join(parts[i:], "."))
		case DataRelationalDatasourcesKey:
			if last := len(parts) - 1; last > i && parts[last] == "url" {
				return append(parts[:i:i], strings.Join(parts[i:last], "."), "url")
			}
			return append(parts[:i:i], strings.Join(parts[i:], "."))
		}
	}
	if len(segs)+len(parts) > maxDottedSegments {
		return nil // deeper than any key the module reads
	}
	return parts
}

// maxDottedSegments bounds the segments a dotted key is split into: the deepest key the module
// reads has six (pyfly.data.relational.datasources.<name>.url). A deeper one is not split, so
// that a key of many dots costs what its length costs, not a map level and a key per dot: under
// pyfly.eventsourcing it is an unknown key, elsewhere it stays as written.
const maxDottedSegments = 8

// namesMap reports whether key holds a map whose keys are names rather than keys: the
// projections' versions and pyfly's datasources.
func namesMap(key string) bool {
	return key == Root+".projection.versions" || key == DataRelationalDatasourcesKey
}

// sameSetting reports whether a and b, two values of key, mean the same: as booleans for a
// boolean key (yes and true), as text otherwise.
func sameSetting(key string, a, b any) bool {
	if strings.HasPrefix(key, Root+".") {
		ta, errA := typed(key, key, a)
		tb, errB := typed(key, key, b)
		if errA == nil && errB == nil {
			return sameValue(ta, tb)
		}
	}
	return sameValue(a, b)
}
