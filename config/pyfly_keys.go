package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/knadh/koanf/v2"
)

// ddlAutoValues are pyfly's schema strategies, in the order messages list them; the first three
// create or upgrade the tables.
var ddlAutoValues = []string{"create", "create-drop", "update", "validate", "none"}

// readDataKeys reads the keys of pyfly's data module the stores follow:
// pyfly.data.relational.url, .ddl-auto (ddl_auto, as the environment gives it, is accepted) and
// .datasources.<name>.url. The other keys of pyfly's data module (pool sizes, echo, …) are
// pyfly's and not read.
func readDataKeys(k *koanf.Koanf, cfg *Config) error {
	if v := k.Get(DataRelationalURLKey); v != nil {
		s, ok := v.(string)
		if !ok {
			return &Error{Key: DataRelationalURLKey, Reason: "expects a database URL string, got " + describeValue(v)}
		}
		cfg.DataRelationalURL = s
	}
	ddl, err := stringKey(k, DataRelationalDDLAutoKey, strings.ReplaceAll(DataRelationalDDLAutoKey, "-", "_"))
	if err != nil {
		return err
	}
	cfg.DataRelationalDDLAuto = ddl
	v := k.Get(DataRelationalDatasourcesKey)
	if v == nil {
		return nil
	}
	entries, ok := v.(map[string]any)
	if !ok {
		return &Error{Key: DataRelationalDatasourcesKey, Reason: "expects a map of datasource names to their settings (url), got " + describeValue(v)}
	}
	cfg.DataRelationalDatasources = make(map[string]string, len(entries))
	for name, e := range entries {
		key := DataRelationalDatasourcesKey + "." + showKey(name) + ".url"
		settings, ok := e.(map[string]any)
		if !ok {
			return &Error{Key: DataRelationalDatasourcesKey + "." + showKey(name), Reason: "expects the datasource's settings (url), got " + describeValue(e)}
		}
		u, ok := settings["url"].(string)
		if !ok {
			if settings["url"] == nil {
				return &Error{Key: key, Reason: "is not set: a datasource needs a database URL"}
			}
			return &Error{Key: key, Reason: fmt.Sprintf("expects a database URL string, got a %T", settings["url"])}
		}
		if strings.TrimSpace(u) == "" {
			return &Error{Key: key, Reason: "is empty: a datasource needs a database URL"}
		}
		cfg.DataRelationalDatasources[name] = strings.TrimSpace(u)
	}
	return nil
}

// stringKey reads a string set under key, or under its other spelling alt; both set to
// different values is an error naming both.
func stringKey(k *koanf.Koanf, key, alt string) (string, error) {
	var out string
	for _, name := range []string{key, alt} {
		v := k.Get(name)
		if v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", &Error{Key: name, Reason: "expects a string, got " + describeValue(v)}
		}
		if out != "" && !strings.EqualFold(strings.TrimSpace(out), strings.TrimSpace(s)) {
			return "", &Error{Key: key, Reason: fmt.Sprintf("set to %s while %s is set to %s; the two spell one setting: keep %s only",
				describeValue(out), alt, describeValue(s), key)}
		}
		out = s
	}
	return out, nil
}

// Datasource returns the URL of the datasource name (an entry of
// pyfly.data.relational.datasources, or [PrimaryDatasource] for pyfly.data.relational.url) and
// the key that holds it; ok is false when there is no such datasource.
func (c Config) Datasource(name string) (url, key string, ok bool) {
	if u, found := c.DataRelationalDatasources[name]; found {
		return u, DataRelationalDatasourcesKey + "." + name + ".url", true
	}
	if name == PrimaryDatasource && strings.TrimSpace(c.DataRelationalURL) != "" {
		return c.DataRelationalURL, DataRelationalURLKey, true
	}
	return "", "", false
}

// DDLAutoMigrate is the auto-migrate setting pyfly.data.relational.ddl-auto gives the stores
// that set none of their own: true for create, create-drop and update (this module never drops
// tables: create-drop creates them and leaves them), false for validate and none, nil when
// ddl-auto is unset.
func (c Config) DDLAutoMigrate() *bool {
	i := slices.Index(ddlAutoValues, strings.ToLower(strings.TrimSpace(c.DataRelationalDDLAuto)))
	if i < 0 {
		return nil // unset (Validate refuses any other value)
	}
	migrate := i < 3
	return &migrate
}

// validatePyflyKeys normalises and checks the keys pyfly defines: ddl-auto, the stores'
// datasource keys, store.position-strategy and store.payload-format.
func (c *Config) validatePyflyKeys() error {
	c.DataRelationalDDLAuto = strings.ToLower(strings.TrimSpace(c.DataRelationalDDLAuto))
	if c.DataRelationalDDLAuto != "" && !slices.Contains(ddlAutoValues, c.DataRelationalDDLAuto) {
		return &Error{Key: DataRelationalDDLAutoKey, Reason: fmt.Sprintf("%s is not a schema strategy; valid values: %s "+
			"(create, create-drop and update create or upgrade the tables on start, validate and none check them)",
			describeValue(c.DataRelationalDDLAuto), strings.Join(ddlAutoValues, ", "))}
	}
	for _, s := range []struct {
		sc     *StoreConfig
		prefix string
	}{
		{&c.Store.StoreConfig, Root + ".store"},
		{&c.Snapshot.StoreConfig, Root + ".snapshot"},
		{&c.Projection.Checkpoint, Root + ".projection.checkpoint"},
	} {
		if err := c.checkDatasource(s.sc, s.prefix); err != nil {
			return err
		}
	}
	switch c.Store.PositionStrategy = strings.ToLower(strings.TrimSpace(c.Store.PositionStrategy)); c.Store.PositionStrategy {
	case "":
		c.Store.PositionStrategy = PositionAuto
	case PositionAuto, PositionXID8:
	case "head-row":
		return &Error{Key: Root + ".store.position-strategy", Reason: `"head-row" is pyfly's strategy of numbering positions as readers ` +
			"read, which this module does not run: its positions are PostgreSQL transaction ids (xid8) and, on SQLite, the insert order, " +
			"with no head row; valid values: auto, xid8 (PostgreSQL)"}
	default:
		return &Error{Key: Root + ".store.position-strategy", Reason: fmt.Sprintf("%s is not a position strategy; valid values: %s, %s (PostgreSQL)",
			describeValue(c.Store.PositionStrategy), PositionAuto, PositionXID8)}
	}
	switch c.Store.PayloadFormat = strings.ToLower(strings.TrimSpace(c.Store.PayloadFormat)); c.Store.PayloadFormat {
	case "":
		c.Store.PayloadFormat = PayloadCompact
	case PayloadCompact, PayloadPyfly:
	default:
		return &Error{Key: Root + ".store.payload-format", Reason: fmt.Sprintf("%s is not a payload format; valid values: %s (the event's payload alone), "+
			"%s (pyfly's envelope, which pyfly services read)", describeValue(c.Store.PayloadFormat), PayloadCompact, PayloadPyfly)}
	}
	return nil
}

// checkDatasource refuses a datasource set with a URL, or one that names no datasource.
func (c *Config) checkDatasource(sc *StoreConfig, prefix string) error {
	sc.Datasource = strings.TrimSpace(sc.Datasource)
	if sc.Datasource == "" {
		return nil
	}
	if strings.TrimSpace(sc.URL) != "" {
		return &Error{Key: prefix + ".datasource", Reason: "is set together with " + prefix + ".url: a store takes its database from one of them; " +
			"keep " + prefix + ".datasource (a name under " + DataRelationalDatasourcesKey + ") or " + prefix + ".url (a URL), not both"}
	}
	if _, _, ok := c.Datasource(sc.Datasource); ok {
		return nil
	}
	names := make([]string, 0, len(c.DataRelationalDatasources)+1)
	for n := range c.DataRelationalDatasources {
		names = append(names, n)
	}
	slices.Sort(names)
	if c.DataRelationalURL != "" {
		names = append(names, PrimaryDatasource+" ("+DataRelationalURLKey+")")
	}
	valid := "none is configured: declare it as " + DataRelationalDatasourcesKey + "." + showKey(sc.Datasource) + ".url"
	if len(names) > 0 {
		valid = "valid names: " + strings.Join(names, ", ")
	}
	return &Error{Key: prefix + ".datasource", Reason: fmt.Sprintf("%s names no datasource under %s; %s",
		describeValue(sc.Datasource), DataRelationalDatasourcesKey, valid)}
}
