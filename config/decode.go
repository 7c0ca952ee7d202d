package config

import (
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
		return Config{}, invalid("%s: %v", Root, err)
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
