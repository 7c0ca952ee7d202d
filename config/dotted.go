package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
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

// expandDotted returns k with every key written with dots in one YAML key set as the nested key
// it spells, as Spring's and koanf's own lookups read it: `pyfly.eventsourcing.enabled: true` at
// the top, `eventsourcing.enabled: true` under pyfly and `store.provider: bun` under
// pyfly.eventsourcing all set pyfly.eventsourcing.store.provider, which the decoder would
// otherwise not see. A name under pyfly.eventsourcing.projection.versions or
// pyfly.data.relational.datasources is kept whole when it is written as a key of that map.
// pyflyOnly keeps only the keys under pyfly (the rest is not read). A key set twice, once with
// dots and once nested, to different values, or set to a value while another key is set under
// it, is an *[Error] naming the key and both spellings; source, when not "", says where. k is
// returned as it is when no key has a dot and pyflyOnly is false.
func expandDotted(k *koanf.Koanf, source string, pyflyOnly bool) (*koanf.Koanf, error) {
	var leaves []leaf
	dotted := false
	var walk func(m map[string]any, segs, written []string)
	walk = func(m map[string]any, segs, written []string) {
		keys := make([]string, 0, len(m))
		for rk := range m {
			keys = append(keys, rk)
		}
		slices.Sort(keys)
		for _, rk := range keys {
			parts := splitDotted(segs, rk)
			if len(parts) > 1 {
				dotted = true
			}
			s := append(slices.Clip(segs), parts...)
			w := append(slices.Clip(written), rk)
			if pyflyOnly && s[0] != "pyfly" {
				continue
			}
			if sub, ok := m[rk].(map[string]any); ok && len(sub) > 0 {
				walk(sub, s, w)
				continue
			}
			leaves = append(leaves, leaf{segs: s, written: w, value: m[rk]})
		}
	}
	walk(k.Raw(), nil, nil)
	if !dotted && !pyflyOnly {
		return k, nil
	}
	where := ""
	if source != "" {
		where = " in " + source
	}
	byKey := map[string]leaf{}      // the first leaf of each key, by its segments
	sections := map[string]string{} // each key with keys under it: one of those
	for _, l := range leaves {
		id := strings.Join(l.segs, "\x00")
		if prev, ok := byKey[id]; ok {
			if !sameSetting(l.key(), prev.value, l.value) {
				return nil, &Error{Key: showKey(l.key()), Reason: fmt.Sprintf(
					"set twice%s, to %s (written %s) and to %s (written %s); a key written with dots spells the same setting "+
						"as the nested keys: keep one", where, describeValue(prev.value), prev.spelt(), describeValue(l.value), l.spelt())}
			}
			continue
		}
		byKey[id] = l
		for i := 1; i < len(l.segs); i++ {
			sections[strings.Join(l.segs[:i], "\x00")] = l.key()
		}
	}
	root := map[string]any{}
	for _, l := range leaves {
		id := strings.Join(l.segs, "\x00")
		if byKey[id].spelt() != l.spelt() {
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
		m := root
		for _, s := range l.segs[:len(l.segs)-1] {
			sub, ok := m[s].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[s] = sub
			}
			m = sub
		}
		m[l.segs[len(l.segs)-1]] = l.value
	}
	out := koanf.New(".")
	if err := out.Load(confmap.Provider(root, ""), nil); err != nil {
		return nil, &Error{File: source, Reason: "cannot be read", Err: err}
	}
	return out, nil
}

// splitDotted returns the segments of rk, a YAML key under the key segs: rk itself when segs
// is a map of names (a projection's, a datasource's, which may hold a "."), or when rk has an
// empty segment; else its parts between dots, where what follows
// pyfly.eventsourcing.projection.versions is one projection's name.
func splitDotted(segs []string, rk string) []string {
	if namesMap(strings.Join(segs, ".")) || !strings.Contains(rk, ".") {
		return []string{rk}
	}
	parts := strings.Split(rk, ".")
	if slices.Contains(parts, "") {
		return []string{rk}
	}
	versions := Root + ".projection.versions"
	for i := 1; i < len(parts); i++ {
		if strings.Join(append(slices.Clip(segs), parts[:i]...), ".") == versions {
			return append(parts[:i:i], strings.Join(parts[i:], "."))
		}
	}
	return parts
}

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
