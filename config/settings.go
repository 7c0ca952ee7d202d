package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
	"github.com/gofly/eventsourcing/internal/errs"
)

// setting maps a key to the field of a runtime component's Config it sets. The table below is
// the one place where a key meets its field: decoding, the list of keys and the errors of
// outbox.Config.Validate and projection.Config.Validate all read it.
type setting struct {
	key   string // under the component's section: "max-attempts"
	field string // the field of the component's Config: "MaxAttempts"
}

// settingsOf returns the keys that set the fields of t, in the order [Keys] lists them, when t
// is a runtime component's Config; nil otherwise. Fields without a key (Owner, Logger, Observer) are set
// in code only.
func settingsOf(t reflect.Type) []setting {
	switch t {
	case reflect.TypeFor[projection.Config]():
		return []setting{
			{"batch-size", "BatchSize"},
			{"commit-size", "CommitSize"},
			{"poll-interval", "PollInterval"},
			{"start-from", "StartFrom"},
			{"lease-ttl", "LeaseTTL"},
			{"retry-initial", "RetryInitial"},
			{"retry-max", "RetryMax"},
			{"dead-letter-after", "DeadLetterAfter"},
			{"dead-letter-policy", "DeadLetterPolicy"},
			{"versions", "Versions"},
			{"switch-lag", "SwitchLag"},
			{"partitions", "Partitions"},
		}
	case reflect.TypeFor[outbox.Config]():
		return []setting{
			{"name", "Name"},
			{"max-attempts", "MaxAttempts"},
			{"dead-letter-policy", "DeadLetterPolicy"},
			{"poll-interval", "PollInterval"},
			{"publish-timeout", "PublishTimeout"},
			{"backoff-initial", "BackoffInitial"},
			{"backoff-max", "BackoffMax"},
			{"claim-timeout", "ClaimTimeout"},
			{"retention", "Retention"},
			{"batch-size", "BatchSize"},
			{"relays", "Relays"},
		}
	case reflect.TypeFor[health.Config]():
		return []setting{
			{"projection-lag", "ProjectionLag"},
			{"projection-stall", "ProjectionStall"},
			{"outbox-pending", "OutboxPending"},
			{"outbox-age", "OutboxAge"},
			{"horizon-age", "HorizonAge"},
			{"dead-letters", "DeadLetters"},
		}
	}
	return nil
}

// node is a key the module reads under [Root]: a section (a struct) or a value.
type node struct {
	key   string       // relative to Root: "outbox.max-attempts"
	index []int        // the field's index sequence in Config (reflect.Value.FieldByIndex)
	typ   reflect.Type // the field's type
	owner reflect.Type // the runtime component's Config the key sets a field of, or nil
	field string       // that field's name, when owner is set
}

// nodes lists every key of [Config] in declaration order, each section before its keys: the
// fields tagged koanf, and the settings of the runtime components' Configs they embed.
func nodes() []node {
	var out []node
	walkNodes(reflect.TypeFor[Config](), "", nil, &out)
	return out
}

func walkNodes(t reflect.Type, prefix string, index []int, out *[]node) {
	join := func(key string) string {
		if prefix == "" {
			return key
		}
		return prefix + "." + key
	}
	for f := range t.Fields() {
		idx := append(slices.Clip(index), f.Index...)
		if set := settingsOf(f.Type); set != nil {
			for _, s := range set {
				sf, ok := f.Type.FieldByName(s.field)
				if !ok {
					continue // TestSettingsTable keeps this from happening
				}
				*out = append(*out, node{key: join(s.key), index: append(slices.Clip(idx), sf.Index...), typ: sf.Type, owner: f.Type, field: s.field})
			}
			continue
		}
		tag := f.Tag.Get("koanf")
		if tag == "" || tag == "-" {
			continue
		}
		if tag == ",squash" { // an embedded struct whose keys sit beside the outer struct's
			walkNodes(f.Type, prefix, idx, out)
			continue
		}
		n := node{key: join(tag), index: idx, typ: f.Type}
		*out = append(*out, n)
		if f.Type.Kind() == reflect.Struct {
			walkNodes(f.Type, n.key, idx, out)
		}
	}
}

// findNode returns the node of key (relative to Root).
func findNode(key string) (node, bool) {
	for _, n := range nodes() {
		if n.key == key {
			return n, true
		}
	}
	return node{}, false
}

// childKeys lists the keys right under the section key (relative to Root; "" for Root itself),
// as written there.
func childKeys(section string) []string {
	var out []string
	prefix := section + "."
	if section == "" {
		prefix = ""
	}
	for _, n := range nodes() {
		if rest, ok := strings.CutPrefix(n.key, prefix); ok && !strings.Contains(rest, ".") {
			out = append(out, rest)
		}
	}
	return out
}

// checkSettings checks the runtime components' settings of c and fills their defaults. A
// negative number or duration is refused first (in YAML 0 means the default, and nothing less
// is valid); then each component's Validate runs (the outbox's only when it is enabled; the
// health report's thresholds too), and its
// *ConfigError becomes an *[Error] naming the key that feeds the field at fault.
func (c *Config) checkSettings() error {
	v := reflect.ValueOf(c).Elem()
	for _, n := range nodes() {
		if n.owner == nil {
			continue
		}
		f := v.FieldByIndex(n.index)
		if f.CanInt() && f.Int() < 0 {
			return &Error{Key: Root + "." + n.key, Reason: negative(f)}
		}
	}
	if err := c.Projection.Config.Validate(); err != nil {
		return settingError(reflect.TypeFor[projection.Config](), err)
	}
	if err := c.Outbox.Config.Validate(); err != nil && c.Outbox.Enabled {
		return settingError(reflect.TypeFor[outbox.Config](), err)
	}
	if err := c.Health.Config.Validate(); err != nil {
		return settingError(reflect.TypeFor[health.Config](), err)
	}
	c.Projection.Config.SetDefaults()
	c.Outbox.Config.SetDefaults()
	c.Health.Config.SetDefaults()
	return nil
}

// negative words the refusal of a negative setting.
func negative(v reflect.Value) string {
	if v.Type() == reflect.TypeFor[time.Duration]() {
		return fmt.Sprintf("must be 0 (the default) or a positive duration such as 500ms or 2s, got %s", v.Interface())
	}
	return fmt.Sprintf("must be 0 (the default) or more, got %d", v.Int())
}

// settingError turns the error of the Validate of owner (a runtime component's Config) into an
// *Error naming the key of the field at fault; it reads as the reason alone and unwraps to err.
// A field no key sets (set in code) is named by its section.
func settingError(owner reflect.Type, err error) error {
	var ce *errs.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	section := ""
	for _, n := range nodes() {
		if n.owner != owner {
			continue
		}
		if n.field == ce.Field {
			return &Error{Key: Root + "." + n.key, Err: &because{msg: hidePasswords(ce.Reason), err: err}}
		}
		section = n.key[:strings.LastIndex(n.key, ".")]
	}
	return &Error{Key: Root + "." + section, Err: &because{msg: ce.Field + ": " + hidePasswords(ce.Reason), err: err}}
}

// because is a cause that reads as msg and unwraps to the error it explains.
type because struct {
	msg string
	err error
}

func (e *because) Error() string { return e.msg }
func (e *because) Unwrap() error { return e.err }
