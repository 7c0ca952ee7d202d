package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/v2"
)

// FromKoanf reads the configuration from k, strictly: defaults for what k lacks, an error naming
// the full key for an unknown key under pyfly.eventsourcing or a value of the wrong type, then
// [Config.Validate]. A nil k gives the defaults.
func FromKoanf(k *koanf.Koanf) (Config, error) {
	cfg := Default()
	if k == nil {
		return cfg, nil
	}
	var md mapstructure.Metadata
	dc := &mapstructure.DecoderConfig{
		Metadata:         &md,
		WeaklyTypedInput: true,
		TagName:          "koanf",
		MatchName:        func(mapKey, fieldName string) bool { return mapKey == fieldName },
		DecodeHook:       mapstructure.TextUnmarshallerHookFunc(),
	}
	if err := k.UnmarshalWithConf(Root, &cfg, koanf.UnmarshalConf{DecoderConfig: dc}); err != nil {
		return Config{}, invalid("%s", describeDecodeError(err))
	}
	if len(md.Unused) > 0 {
		return Config{}, unknownKeys(md.Unused)
	}
	if v := k.Get(DataRelationalURLKey); v != nil {
		s, ok := v.(string)
		if !ok {
			return Config{}, invalid("%s must be a string URL, got %T", DataRelationalURLKey, v)
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
		full[i] = Root + "." + k
	}
	return invalid("unknown key %s; valid keys: %s", strings.Join(full, ", "), strings.Join(Keys(), ", "))
}

// Keys lists every key the module reads under pyfly.eventsourcing, in declaration order.
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
		key := fmt.Sprintf("%s.%s", prefix, tag)
		if f.Type.Kind() == reflect.Struct {
			walkKeys(f.Type, key, out)
			continue
		}
		*out = append(*out, key)
	}
}

// describeDecodeError words a mapstructure error as "full.key: problem", one per bad key, on one
// line.
func describeDecodeError(err error) string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if d, ok := e.(*mapstructure.DecodeError); ok {
			if hasDecodeError(d.Unwrap()) {
				walk(d.Unwrap())
				return
			}
			key := Root
			if d.Name() != "" {
				key += "." + d.Name()
			}
			out = append(out, key+": "+d.Unwrap().Error())
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
	if len(out) == 0 {
		return Root + ": " + strings.Join(strings.Fields(err.Error()), " ")
	}
	return strings.Join(out, "; ")
}

func hasDecodeError(err error) bool {
	var d *mapstructure.DecodeError
	return errors.As(err, &d)
}
