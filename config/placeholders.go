package config

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
)

// maxPlaceholderDepth bounds how deep placeholders may nest through configuration keys, as in
// pyfly: deeper is taken for a cycle.
const maxPlaceholderDepth = 10

// placeholders resolves ${...} in the values of the keys the module reads, as pyfly's
// configuration does: ${NAME} is the environment variable NAME, else the environment variable
// pyfly reads for the key NAME (PYFLY_ and NAME in upper case with "_" for "." and "-"), else
// the configuration key NAME (from refs, whose own placeholders are resolved in turn), else,
// written ${NAME:default}, what follows the first ":". A placeholder none of them resolves is an
// error naming the key and NAME, never used as written.
type placeholders struct {
	lookupEnv func(string) (string, bool)
	refs      *koanf.Koanf
}

// environLookup returns a lookup of the variables environ lists ("NAME=value").
func environLookup(environ func() []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for _, kv := range environ() {
			if n, v, ok := strings.Cut(kv, "="); ok && n == name {
				return v, true
			}
		}
		return "", false
	}
}

// osLookup is the lookup of [FromKoanf]: the process's environment.
func osLookup(name string) (string, bool) { return os.LookupEnv(name) }

// resolve returns k with the placeholders in the values of the keys the module reads resolved,
// or k itself when there is none.
func (p placeholders) resolve(k *koanf.Koanf) (*koanf.Koanf, error) {
	raw := k.Raw()
	changed := false
	var walk func(m map[string]any, segs []string) error
	walk = func(m map[string]any, segs []string) error {
		for _, name := range slices.Sorted(maps.Keys(m)) {
			v := m[name]
			key := append(segs[:len(segs):len(segs)], name)
			switch x := v.(type) {
			case map[string]any:
				if err := walk(x, key); err != nil {
					return err
				}
			case string:
				if !strings.Contains(x, "${") || !readsPlaceholders(key) {
					continue
				}
				s, err := p.expand(strings.Join(key, "."), x, 0)
				if err != nil {
					return err
				}
				m[name], changed = s, true
			}
		}
		return nil
	}
	if err := walk(raw, nil); err != nil {
		return nil, err
	}
	if !changed {
		return k, nil
	}
	out := koanf.New(".")
	if err := out.Load(confmap.Provider(raw, ""), nil); err != nil {
		return nil, &Error{Key: Root, Reason: "cannot be read", Err: err}
	}
	return out, nil
}

// readsPlaceholders reports whether the value at key (its segments) is one the module reads:
// under pyfly.eventsourcing, pyfly.data.relational.url and ddl-auto, and the url of a datasource.
// The other keys of pyfly's data module are pyfly's, resolved when pyfly reads them.
func readsPlaceholders(key []string) bool {
	full := strings.Join(key, ".")
	if strings.HasPrefix(full, Root+".") {
		return true
	}
	switch full {
	case DataRelationalURLKey, DataRelationalDDLAutoKey, strings.ReplaceAll(DataRelationalDDLAutoKey, "-", "_"):
		return true
	}
	ds := strings.Split(DataRelationalDatasourcesKey, ".")
	return len(key) == len(ds)+2 && strings.Join(key[:len(ds)], ".") == DataRelationalDatasourcesKey && key[len(key)-1] == "url"
}

// expand resolves the placeholders of value, the value of key, depth references deep.
func (p placeholders) expand(key, value string, depth int) (string, error) {
	if depth > maxPlaceholderDepth {
		return "", &Error{Key: showKey(key), Reason: fmt.Sprintf(
			"placeholders refer to keys more than %d deep; a placeholder may refer, through others, to itself", maxPlaceholderDepth)}
	}
	var b strings.Builder
	rest := value
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+2:], '}')
		if j < 0 {
			break
		}
		inner := rest[i+2 : i+2+j]
		b.WriteString(rest[:i])
		rest = rest[i+2+j+1:]
		if inner == "" {
			b.WriteString("${}") // not a placeholder, as in pyfly
			continue
		}
		s, err := p.one(key, value, inner, depth)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	b.WriteString(rest)
	return b.String(), nil
}

// one resolves the placeholder ${inner} found in value, the value of key.
func (p placeholders) one(key, value, inner string, depth int) (string, error) {
	name, def, hasDefault := strings.Cut(inner, ":")
	if v, ok := p.lookupEnv(name); ok {
		return v, nil
	}
	if v, ok := p.lookupEnv(pyflyEnvName(name)); ok {
		return v, nil
	}
	if v, ok := p.configValue(name); ok {
		if strings.Contains(v, "${") {
			return p.expand(key, v, depth+1)
		}
		return v, nil
	}
	if hasDefault {
		return def, nil
	}
	placeholder := "${" + inner + "}"
	if !strings.Contains(hidePasswords(value), placeholder) {
		// The placeholder stands in a password, whose text is never shown.
		return "", &Error{Key: showKey(key), Reason: "a placeholder in the password of the URL cannot be resolved: " +
			"it names no environment variable nor configuration key, and gives no default (${NAME:default})"}
	}
	return "", &Error{Key: showKey(key), Reason: fmt.Sprintf(
		"placeholder %s cannot be resolved: %s is neither an environment variable nor a configuration key, "+
			"and the placeholder gives no default (${%s:default})", showKey(placeholder), showKey(name), showKey(name))}
}

// configValue is the value of the configuration key name, as text, when it is set to one
// (a string, a number or a boolean); "-" and "_" in its segments are interchangeable, as in
// pyfly.
func (p placeholders) configValue(name string) (string, bool) {
	if p.refs == nil {
		return "", false
	}
	for _, key := range []string{name, strings.ReplaceAll(name, "_", "-"), strings.ReplaceAll(name, "-", "_")} {
		switch v := p.refs.Get(key).(type) {
		case string:
			return v, true
		case bool, int, int64, uint64, float64:
			return fmt.Sprint(v), true
		}
	}
	return "", false
}

// pyflyEnvName is the environment variable pyfly reads for the configuration key name:
// PYFLY_, then name without its pyfly. prefix, in upper case with "_" for "." and "-".
func pyflyEnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(strings.TrimPrefix(name, "pyfly.")))
}
