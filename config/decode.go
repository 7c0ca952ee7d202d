package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/v2"
)

// FromKoanf reads the configuration from k, strictly: defaults for what k lacks, an *[Error]
// naming the full key for an unknown key under pyfly.eventsourcing, a value of the wrong type or
// two spellings of one key that disagree, then [Config.Validate]. k is not modified. A nil k
// gives the defaults.
func FromKoanf(k *koanf.Koanf) (Config, error) {
	cfg := Default()
	if k == nil {
		return cfg, nil
	}
	k = k.Copy()
	if err := foldAliases(k, ""); err != nil {
		return Config{}, err
	}
	var md mapstructure.Metadata
	dc := &mapstructure.DecoderConfig{
		Metadata:         &md,
		WeaklyTypedInput: true,
		TagName:          "koanf",
		MatchName:        func(mapKey, fieldName string) bool { return mapKey == fieldName },
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.DecodeHookFuncType(strictNumbers), mapstructure.TextUnmarshallerHookFunc()),
	}
	if err := k.UnmarshalWithConf(Root, &cfg, koanf.UnmarshalConf{DecoderConfig: dc}); err != nil {
		return Config{}, decodeError(k, err)
	}
	if len(md.Unused) > 0 {
		return Config{}, unknownKeys(md.Unused)
	}
	if v := k.Get(DataRelationalURLKey); v != nil {
		s, ok := v.(string)
		if !ok {
			return Config{}, &Error{Key: DataRelationalURLKey, Reason: "expects a database URL string, got " + describeValue(v)}
		}
		cfg.DataRelationalURL = s
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// unknownKeys words the error for keys the Config has no field for.
func unknownKeys(unused []string) error {
	keys := slices.Clone(unused)
	slices.Sort(keys)
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = showKey(Root + "." + k)
	}
	valid := "valid keys: " + strings.Join(Keys(), ", ") + " (auto_migrate is accepted for auto-migrate)"
	if len(full) == 1 {
		return &Error{Key: full[0], Reason: "unknown key; " + valid}
	}
	return &Error{Reason: "unknown keys " + strings.Join(full, ", ") + "; " + valid}
}

// showKey shows a key written in the configuration: as it is when it is printable UTF-8,
// quoted otherwise, so that a NUL or a control character cannot reach a log line raw.
func showKey(key string) string {
	if !utf8.ValidString(key) || strings.ContainsFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(key)
	}
	return key
}

// Keys lists every key the module reads under pyfly.eventsourcing, in declaration order and in
// their documented spelling.
func Keys() []string {
	var out []string
	walkKeys(reflect.TypeFor[Config](), Root, &out)
	return out
}

func walkKeys(t reflect.Type, prefix string, out *[]string) {
	for f := range t.Fields() {
		tag := f.Tag.Get("koanf")
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + "." + tag
		if f.Type.Kind() == reflect.Struct {
			walkKeys(f.Type, key, out)
			continue
		}
		*out = append(*out, key)
	}
}

// decodeError words a mapstructure error as an *Error about the first bad key, saying what the
// key expects and what it got; further bad keys follow in the reason.
func decodeError(k *koanf.Koanf, err error) error {
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
	if len(bad) == 0 {
		return &Error{Key: Root, Reason: strings.Join(strings.Fields(err.Error()), " ")}
	}
	first := &Error{Key: fullKey(bad[0].Name()), Reason: expectation(k, bad[0])}
	for _, d := range bad[1:] {
		first.Reason += "; " + fullKey(d.Name()) + ": " + expectation(k, d)
	}
	return first
}

func fullKey(name string) string {
	if name == "" {
		return Root
	}
	return Root + "." + name
}

// expectation says what the key of d expects and what it got.
func expectation(k *koanf.Koanf, d *mapstructure.DecodeError) string {
	got := describeValue(k.Get(fullKey(d.Name())))
	if strings.HasSuffix(d.Name(), "url") {
		got = fmt.Sprintf("a %T", k.Get(fullKey(d.Name()))) // a URL may hold a password
	}
	t := fieldType(strings.Split(d.Name(), "."))
	if t == nil {
		return strings.Join(strings.Fields(d.Unwrap().Error()), " ")
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return got + " is not a boolean; valid values: true, false"
	case reflect.String:
		return "expects a string, got " + got
	case reflect.Struct:
		var keys []string
		for f := range t.Fields() {
			if tag := f.Tag.Get("koanf"); tag != "" && tag != "-" {
				keys = append(keys, tag)
			}
		}
		return "expects a map with the keys " + strings.Join(keys, ", ") + ", got " + got
	}
	return strings.Join(strings.Fields(d.Unwrap().Error()), " ")
}

// fieldType returns the type of the Config field at path (koanf tags), or nil.
func fieldType(path []string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for _, name := range path {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		var next reflect.Type
		for f := range t.Fields() {
			if f.Tag.Get("koanf") == name {
				next = f.Type
				break
			}
		}
		if next == nil {
			return nil
		}
		t = next
	}
	return t
}

// maxShown bounds how much of a value a message shows.
const maxShown = 64

// describeValue shows a configuration value in a message: strings quoted (and cut after
// maxShown bytes), lists and maps named.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
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

func hasDecodeError(err error) bool {
	var d *mapstructure.DecodeError
	return errors.As(err, &d)
}
