package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/v2"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
	"github.com/gofly/eventsourcing/internal/redact"
)

// FromKoanf reads the configuration from k, strictly: defaults for what k lacks, an *[Error]
// naming the full key for an unknown key under pyfly.eventsourcing (with the key it most likely
// meant), for keys under a misspelling of pyfly.eventsourcing itself (pyfly.event-sourcing), for
// a value of the wrong type or two spellings of one key that disagree, then [Config.Validate]. A
// key written with dots in one YAML key (pyfly.eventsourcing.store.provider: bun) reads as the
// nested key it spells. ${NAME} and ${NAME:default} in the values of the keys the module reads
// are resolved as pyfly resolves them: the environment variable NAME, else the one pyfly reads
// for the key NAME (PYFLY_…), else the configuration key NAME, else the default; one that
// resolves to nothing is an *[Error] naming the key and NAME; a value equal to the PYFLY_*
// variable for its key came from the environment and is used as written, as pyfly resolves
// placeholders in its YAML only. k is not modified. A nil k gives the defaults.
func FromKoanf(k *koanf.Koanf) (Config, error) {
	return fromKoanf(k, os.Environ)
}

// fromKoanf is [FromKoanf], with environ listing the environment variables ("NAME=value") that
// placeholders name and that may have set k's values.
func fromKoanf(k *koanf.Koanf, environ func() []string) (Config, error) {
	cfg := Default()
	if k == nil {
		return cfg, nil
	}
	if err := misspeltRoot(k.Keys()); err != nil {
		return Config{}, err
	}
	// The runtime components' settings start from zero, so that their Validate tells a key set
	// from one left to its default; Validate then fills the defaults in.
	cfg.Projection.Config, cfg.Outbox.Config, cfg.Health.Config = projection.Config{}, outbox.Config{}, health.Config{}
	refs := k
	k, err := expandDotted(k, "", true) // a new *koanf.Koanf: k is not modified
	if err != nil {
		return Config{}, err
	}
	if k, err = newPlaceholders(environ, refs).resolve(k); err != nil {
		return Config{}, err
	}
	if err := foldAliases(k, ""); err != nil {
		return Config{}, err
	}
	if err := decodeSettings(k, &cfg); err != nil {
		return Config{}, err
	}
	var md mapstructure.Metadata
	dc := decoderConfig()
	dc.Metadata = &md
	if err := k.UnmarshalWithConf(Root, &cfg, koanf.UnmarshalConf{DecoderConfig: dc}); err != nil {
		return Config{}, decodeError(k, err)
	}
	if len(md.Unused) > 0 {
		return Config{}, unknownKeys(k, md.Unused)
	}
	if err := readDataKeys(k, &cfg); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// decoderConfig is how values are decoded: strictly, with the key spelt as the koanf tag says.
func decoderConfig() *mapstructure.DecoderConfig {
	return &mapstructure.DecoderConfig{
		WeaklyTypedInput: true,
		TagName:          "koanf",
		MatchName:        func(mapKey, fieldName string) bool { return mapKey == fieldName },
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.DecodeHookFuncType(strictNumbers), mapstructure.TextUnmarshallerHookFunc()),
	}
}

// decodeSettings decodes the keys of the runtime components' settings (see settingsOf) into
// the fields they set, and removes them from k, so that the decoder of the rest of cfg does not
// take them for unknown keys.
func decodeSettings(k *koanf.Koanf, cfg *Config) error {
	v := reflect.ValueOf(cfg).Elem()
	for _, n := range nodes() {
		full := Root + "." + n.key
		if n.owner == nil || !k.Exists(full) {
			continue
		}
		raw := k.Get(full)
		dc := decoderConfig()
		dc.Result = v.FieldByIndex(n.index).Addr().Interface()
		d, err := mapstructure.NewDecoder(dc)
		if err == nil {
			err = d.Decode(raw)
		}
		if err != nil {
			if bad := decodeErrors(err); len(bad) > 0 {
				err = bad[0].Unwrap()
			}
			return &Error{Key: full, Reason: expect(n.key, raw, n.typ, err)}
		}
		k.Delete(full)
	}
	return nil
}

// unknownKeys words the error for keys of k the Config has no field for (unused, relative to
// Root): each with the key it most likely meant ("did you mean
// `pyfly.eventsourcing.store.provider`?"), and, when one has no such key, the keys that are
// valid where it was written.
func unknownKeys(k *koanf.Koanf, unused []string) error {
	keys := slices.Clone(unused)
	slices.Sort(keys)
	meant := func(rel string) (string, bool) {
		if s, ok := suggestion(rel); ok {
			return "did you mean `" + Root + "." + s + "`?", true
		}
		if s, ok := splitKey(k, rel); ok {
			return "did you mean `" + Root + "." + s + "`? In the environment it is " + envName(Root+"."+s) +
				` ("_" for each ".", "-" and "_")`, true
		}
		return "", false
	}
	if len(keys) == 1 {
		rel := keys[0]
		full := showKey(Root + "." + rel)
		if m, ok := meant(rel); ok {
			return &Error{Key: full, Reason: "unknown key; " + m}
		}
		return &Error{Key: full, Reason: "unknown key; " + validKeysNear(rel)}
	}
	shown := make([]string, len(keys))
	all := true
	for i, rel := range keys {
		shown[i] = showKey(Root + "." + rel)
		if m, ok := meant(rel); ok {
			shown[i] += " (" + m + ")"
		} else {
			all = false
		}
	}
	reason := "unknown keys " + strings.Join(shown, ", ")
	if !all {
		reason += "; valid keys: " + strings.Join(Keys(), ", ") + " (auto_migrate is accepted for auto-migrate)"
	}
	return &Error{Reason: reason}
}

// validKeysNear lists the keys valid in the section rel (relative to Root) was written in: the
// deepest section of the Config that rel is under.
func validKeysNear(rel string) string {
	section := ""
	for _, n := range nodes() {
		if n.typ.Kind() == reflect.Struct && n.owner == nil && strings.HasPrefix(rel, n.key+".") && len(n.key) > len(section) {
			section = n.key
		}
	}
	children := childKeys(section)
	where := Root
	if section != "" {
		where += "." + section
	}
	note := ""
	if slices.Contains(children, "auto-migrate") {
		note = " (auto_migrate is accepted for auto-migrate)"
	}
	return "valid keys under " + where + ": " + strings.Join(children, ", ") + note
}

// showKey shows a key written in the configuration, or one a message suggests that holds a
// value (pyfly.data.relational.datasources.<value>.url): with a URL's password replaced
// ([hidePasswords]), as it is when it is printable UTF-8, quoted otherwise, so that a NUL or a
// control character cannot reach a log line raw.
func showKey(key string) string {
	key = hidePasswords(key)
	if !utf8.ValidString(key) || strings.ContainsFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(key)
	}
	return key
}

// Keys lists every key the module reads under pyfly.eventsourcing, in declaration order and in
// their documented spelling.
func Keys() []string {
	var out []string
	for _, n := range nodes() {
		if n.typ.Kind() != reflect.Struct {
			out = append(out, Root+"."+n.key)
		}
	}
	return out
}

// decodeError words a mapstructure error as an *Error about the first bad key, saying what the
// key expects and what it got; further bad keys follow in the reason.
func decodeError(k *koanf.Koanf, err error) error {
	bad := decodeErrors(err)
	if len(bad) == 0 {
		return &Error{Key: Root, Reason: causeText(err)}
	}
	first := &Error{Key: fullKey(bad[0].Name()), Reason: expectation(k, bad[0])}
	for _, d := range bad[1:] {
		first.Reason += "; " + fullKey(d.Name()) + ": " + expectation(k, d)
	}
	return first
}

// decodeErrors returns the innermost mapstructure errors in err, one per bad key.
func decodeErrors(err error) []*mapstructure.DecodeError {
	var bad []*mapstructure.DecodeError
	var walk func(error)
	walk = func(e error) {
		if d, ok := e.(*mapstructure.DecodeError); ok {
			if hasDecodeError(d.Unwrap()) {
				walk(d.Unwrap())
				return
			}
			bad = append(bad, d)
			return
		}
		switch x := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range x.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return bad
}

func fullKey(name string) string {
	if name == "" {
		return Root
	}
	return Root + "." + name
}

// expectation says what the key of d expects and what it got.
func expectation(k *koanf.Koanf, d *mapstructure.DecodeError) string {
	return expect(d.Name(), k.Get(fullKey(d.Name())), fieldType(strings.Split(d.Name(), ".")), d.Unwrap())
}

// expect says what key (relative to Root), of type t (nil when unknown), expects and that it got
// v; cause is the decoder's complaint.
func expect(key string, v any, t reflect.Type, cause error) string {
	got := describeValue(v)
	if strings.HasSuffix(key, "url") {
		got = fmt.Sprintf("a %T", v) // a URL may hold a password
	}
	if nw := (*notWholeError)(nil); errors.As(cause, &nw) {
		return "expects " + wholeRange(key) + ", got " + nw.got
	}
	if t == nil {
		return causeText(cause)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return notBoolean(v)
	case reflect.String:
		return "expects a string, got " + got
	case reflect.Struct:
		return "expects a map with the keys " + strings.Join(childKeys(key), ", ") + ", got " + got
	}
	return causeText(cause)
}

// causeText is the decoder's complaint on one line, with any password in it replaced.
func causeText(err error) string {
	return hidePasswords(strings.Join(strings.Fields(err.Error()), " "))
}

// wholeRange says which whole numbers key (relative to Root) takes.
func wholeRange(key string) string {
	switch n, _ := findNode(key); {
	case key == "snapshot.interval":
		return fmt.Sprintf("a whole number, 1 or more (default %d)", es.DefaultSnapshotInterval)
	case key == "projection.versions":
		return fmt.Sprintf("a version per projection name, a whole number from 1 to %d", projection.MaxVersion)
	case n.owner != nil:
		return "a whole number, 0 (the default) or more"
	}
	return "a whole number"
}

// fieldType returns the type of the Config field at path (keys relative to Root), or nil.
func fieldType(path []string) reflect.Type {
	n, ok := findNode(strings.Join(path, "."))
	if !ok {
		return nil
	}
	return n.typ
}

// maxShown bounds how much of a value a message shows.
const maxShown = 64

// describeValue shows a configuration value in a message: strings with a URL's password
// replaced ([hidePasswords]), quoted (and cut after maxShown bytes), lists and maps named. Every
// value a configuration error quotes goes through it.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		x = hidePasswords(x)
		if len(x) > maxShown {
			return strconv.Quote(strings.ToValidUTF8(x[:maxShown], "")) + "…"
		}
		return strconv.Quote(x)
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		return "a map"
	}
	return fmt.Sprintf("%v", v)
}

// hidePasswords replaces the secrets in s, a value (or a message holding values) written in the
// configuration, with redact.Mask: the password of a URL's user information, whatever
// characters it holds, and the values of password=, token= and the like, as the stores' URLs
// are shown in logs. A value a key was not meant for (a URL given as a provider or a
// datasource's name) is shown no other way.
func hidePasswords(s string) string { return redact.Text(s) }

func hasDecodeError(err error) bool {
	var d *mapstructure.DecodeError
	return errors.As(err, &d)
}
