package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
)

// maxPlaceholderDepth bounds how deep placeholders may nest through configuration keys, as in
// pyfly: deeper is taken for a cycle.
const maxPlaceholderDepth = 10

// maxResolved bounds the size of a value once its placeholders are resolved: placeholders that
// repeat a key whose value repeats another grow exponentially.
const maxResolved = 64 << 10

// placeholders resolves ${...} in the values of the keys the module reads, as pyfly's
// configuration does: ${NAME} is the environment variable NAME, else the environment variable
// pyfly reads for the key NAME (PYFLY_ and NAME in upper case with "_" for "." and "-"), else
// the configuration key NAME (from refs, whose own placeholders are resolved in turn), else,
// written ${NAME:default}, what follows the first ":". A placeholder none of them resolves is an
// error naming the key and NAME, never used as written. A value set by the environment (a
// PYFLY_* variable) is used as it is, as pyfly resolves placeholders in its YAML only.
type placeholders struct {
	lookupEnv func(string) (string, bool)
	fromEnv   func(key, value string) bool
	refs      *koanf.Koanf
	resolved  map[string]string // the configuration keys resolved so far, within one resolve call
}

// newPlaceholders returns the placeholders of refs, the configuration, with environ listing the
// environment variables ("NAME=value").
func newPlaceholders(environ func() []string, refs *koanf.Koanf) placeholders {
	env := environ() // read once: each lookup would copy the whole environment again
	return placeholders{lookupEnv: environLookup(env), fromEnv: envSets(env), refs: refs}
}

// environLookup returns a lookup of the variables env lists ("NAME=value").
func environLookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for _, kv := range env {
			if n, v, ok := strings.Cut(kv, "="); ok && n == name {
				return v, true
			}
		}
		return "", false
	}
}

// envSets returns whether a PYFLY_* variable env lists sets key to value: one spelt as
// pyfly spells key (upper case, "_" for each ".", "-" and "_"; "__" reads as "_") and holding
// value. Such a value came from the environment, whose values hold no placeholders.
func envSets(env []string) func(key, value string) bool {
	return func(key, value string) bool {
		want := envName(key)
		for _, kv := range env {
			n, v, ok := strings.Cut(kv, "=")
			if ok && v == value && n != EnvConfigFile && strings.HasPrefix(n, EnvPrefix) &&
				strings.ReplaceAll(strings.ToUpper(n), "__", "_") == want {
				return true
			}
		}
		return false
	}
}

// resolve returns k with the placeholders in the values of the keys the module reads resolved,
// or k itself when there is none.
func (p placeholders) resolve(k *koanf.Koanf) (*koanf.Koanf, error) {
	p.resolved = map[string]string{}
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
				full := strings.Join(key, ".")
				if !strings.Contains(x, "${") || !readsPlaceholders(key) || p.fromEnv(full, x) {
					continue
				}
				s, err := p.expand(full, x, 0)
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
	return strings.HasPrefix(strings.Join(key, "."), Root+".") || readsDataKey(key)
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
		if b.Len() > maxResolved {
			return "", tooLarge(key)
		}
	}
	b.WriteString(rest)
	if b.Len() > maxResolved {
		return "", tooLarge(key)
	}
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
	if v, ok := p.resolved[name]; ok {
		return v, nil
	}
	if v, ok := p.configValue(name); ok {
		if !strings.Contains(v, "${") || p.fromEnv(name, v) {
			return v, nil
		}
		s, err := p.expand(key, v, depth+1)
		if err != nil {
			return "", err
		}
		p.resolved[name] = s
		return s, nil
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
	shown := cutShown(name)
	return "", &Error{Key: showKey(key), Reason: fmt.Sprintf(
		"placeholder %s cannot be resolved: %s is neither an environment variable nor a configuration key, "+
			"and the placeholder gives no default (${%s:default})", cutShown(placeholder), shown, shown)}
}

// cutShown is s as a message shows it ([showKey]), cut after maxShown bytes as [describeValue]
// cuts a value.
func cutShown(s string) string {
	if len(s) > maxShown {
		return showKey(strings.ToValidUTF8(s[:maxShown], "")) + "…"
	}
	return showKey(s)
}

// tooLarge is the error for key, whose value grows beyond maxResolved once resolved.
func tooLarge(key string) error {
	return &Error{Key: showKey(key), Reason: fmt.Sprintf(
		"resolves to more than %d KiB once its placeholders are resolved; a placeholder may refer to a key whose value "+
			"repeats placeholders that repeat others: keep values short", maxResolved>>10)}
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
	return envName("pyfly." + strings.TrimPrefix(name, "pyfly."))
}
