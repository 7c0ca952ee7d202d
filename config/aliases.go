package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/knadh/koanf/v2"
)

// alias is another spelling of a key, relative to [Root], accepted beside the documented one.
type alias struct {
	old, key string
}

// aliases lists the accepted spellings with underscores of every kebab-case key: pyfly spells
// multi-word keys in kebab case (auto-migrate), earlier versions of this module read
// auto_migrate, and environment variables cannot hold a "-" (PYFLY_…_MAX__ATTEMPTS is
// max_attempts).
func aliases() []alias {
	var out []alias
	for _, key := range Keys() {
		rel := strings.TrimPrefix(key, Root+".")
		if strings.Contains(rel, "-") {
			out = append(out, alias{old: strings.ReplaceAll(rel, "-", "_"), key: rel})
		}
	}
	return out
}

// foldAliases moves every other spelling in k to its documented key, so the decoder sees one
// key. Both spellings set to different values is an *Error naming both; source, when not "",
// says where they were set.
func foldAliases(k *koanf.Koanf, source string) error {
	for _, a := range aliases() {
		old, key := Root+"."+a.old, Root+"."+a.key
		if !k.Exists(old) {
			continue
		}
		ov, err := typed(old, key, k.Get(old))
		if err != nil {
			return err
		}
		if k.Exists(key) {
			kv, err := typed(key, key, k.Get(key))
			if err != nil {
				return err
			}
			if !sameValue(kv, ov) {
				where := ""
				if source != "" {
					where = " in " + source
				}
				return &Error{Key: key, Reason: fmt.Sprintf("set to %s while %s is set to %s%s; the two spell one setting: keep %s only",
					describeValue(kv), old, describeValue(ov), where, key)}
			}
		}
		k.Delete(old)
		if err := k.Set(key, ov); err != nil {
			return &Error{Key: key, Reason: "cannot be set", Err: err}
		}
	}
	return nil
}

// typed reads a boolean setting (YAML's true or the environment's "true") as a bool, naming the
// key it was written under when it is not one; other settings pass as they are.
func typed(written, key string, v any) (any, error) {
	t := fieldType(strings.Split(key, ".")[2:])
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Bool {
		return v, nil
	}
	return boolValue(written, v)
}

// boolValue reads a boolean as YAML (true) or the environment ("true", "yes") gives it.
func boolValue(key string, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, ok := parseBool(x); ok {
			return b, nil
		}
	}
	return false, &Error{Key: key, Reason: notBoolean(v)}
}

// parseBool reads a boolean written as text: YAML 1.1's words, which pyfly's YAML loader reads
// as booleans (true/false, yes/no, on/off, y/n, in any case), and 1/0, t/f as strconv.ParseBool
// reads them.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "y", "1", "t":
		return true, true
	case "false", "no", "off", "n", "0", "f":
		return false, true
	}
	return false, false
}

// notBoolean says that v is not a boolean, and what is: the words [parseBool] reads.
func notBoolean(v any) string {
	return describeValue(v) + " is not a boolean; valid values: true, false (also yes/no, on/off, y/n, 1/0, in any case)"
}

// sameValue compares two settings as text, as YAML (true, 5) and the environment ("true", "5")
// give them: exactly, but for the spaces around them (booleans are read by [typed] first, so
// yes and true compare alike; a password's case matters).
func sameValue(a, b any) bool {
	return strings.TrimSpace(fmt.Sprint(a)) == strings.TrimSpace(fmt.Sprint(b))
}
