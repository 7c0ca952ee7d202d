package config

import (
	"reflect"
	"testing"

	"github.com/gofly/eventsourcing/eventsourcing/outbox"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
	"github.com/gofly/eventsourcing/health"
)

// Every entry of the table names a field of its Config, and every field but those set in code
// only has a key.
func TestSettingsTable(t *testing.T) {
	codeOnly := map[string]bool{"Owner": true, "Logger": true, "Observer": true}
	for _, typ := range []reflect.Type{reflect.TypeFor[projection.Config](), reflect.TypeFor[outbox.Config](), reflect.TypeFor[health.Config]()} {
		keyed := map[string]bool{}
		for _, s := range settingsOf(typ) {
			if _, ok := typ.FieldByName(s.field); !ok {
				t.Errorf("%s has no field %s (key %s)", typ, s.field, s.key)
			}
			if keyed[s.field] {
				t.Errorf("%s.%s has two keys", typ, s.field)
			}
			keyed[s.field] = true
		}
		for f := range typ.Fields() {
			if !keyed[f.Name] && !codeOnly[f.Name] {
				t.Errorf("no key sets %s.%s", typ, f.Name)
			}
		}
		n := 0
		for _, nd := range nodes() {
			if nd.owner == typ {
				n++
			}
		}
		if n != len(settingsOf(typ)) {
			t.Errorf("%s: %d keys in Config, %d in the table", typ, n, len(settingsOf(typ)))
		}
	}
}
