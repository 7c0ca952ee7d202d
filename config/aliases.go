package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/knadh/koanf/v2"
)

// alias is an older spelling of a key, relative to [Root], accepted beside the documented one.
type alias struct {
	old, key string
}

// aliases lists the accepted older spellings: pyfly spells multi-word keys in kebab case
// (auto-migrate), and earlier versions of this module read auto_migrate.
func aliases() []alias {
	return []alias{
		{old: "store.auto_migrate", key: "store.auto-migrate"},
		{old: "snapshot.auto_migrate", key: "snapshot.auto-migrate"},
	}
}

// foldAliases moves every older spelling in k to its documented key, so the decoder sees one
// key. Both spellings set to different values is an *Error naming both; source, when not "",
// says where they were set. Every aliased key is a boolean.
func foldAliases(k *koanf.Koanf, source string) error {
	for _, a := range aliases() {
		old, key := Root+"."+a.old, Root+"."+a.key
		if !k.Exists(old) {
			continue
		}
		ov, err := boolValue(old, k.Get(old))
		if err != nil {
			return err
		}
		if k.Exists(key) {
			kv, err := boolValue(key, k.Get(key))
			if err != nil {
				return err
			}
			if kv != ov {
				where := ""
				if source != "" {
					where = " in " + source
				}
				return &Error{Key: key, Reason: fmt.Sprintf("set to %t while %s is set to %t%s; the two spell one setting: keep %s only",
					kv, old, ov, where, key)}
			}
		}
		k.Delete(old)
		if err := k.Set(key, ov); err != nil {
			return &Error{Key: key, Reason: "cannot be set", Err: err}
		}
	}
	return nil
}

// boolValue reads a boolean as YAML (true) or the environment ("true") gives it.
func boolValue(key string, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
			return b, nil
		}
	}
	return false, &Error{Key: key, Reason: describeValue(v) + " is not a boolean; valid values: true, false"}
}
