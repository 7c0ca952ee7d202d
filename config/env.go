package config

import "strings"

// EnvPrefix is the prefix of the environment variables the configuration reads.
const EnvPrefix = "PYFLY_"

// EnvConfigFile names the environment variable holding the path of the YAML file.
const EnvConfigFile = "PYFLY_CONFIG"

// EnvKey maps an environment variable to its koanf key. A variable spelt as pyfly spells a key
// the module reads (upper case, "_" for each ".", "-" and "_") sets that key:
// PYFLY_EVENTSOURCING_OUTBOX_MAX_ATTEMPTS sets pyfly.eventsourcing.outbox.max-attempts and
// PYFLY_DATA_RELATIONAL_DDL_AUTO sets pyfly.data.relational.ddl-auto. What follows
// PYFLY_EVENTSOURCING_PROJECTION_VERSIONS_ is a projection's name, and what stands between
// PYFLY_DATA_RELATIONAL_DATASOURCES_ and _URL a datasource's, lower-cased ("__" reads as "_"
// there too; [Load] then moves it to the name the YAML spells alike, read-replica for
// READ_REPLICA). Any other variable is lower-cased with "_" for "." and "__" for a literal "_"
// (PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE → pyfly.eventsourcing.store.auto_migrate, which the
// configuration accepts for store.auto-migrate); a "-" in the name is kept, and a variable under
// PYFLY_EVENTSOURCING_ that names no key is an unknown key. It returns "" for [EnvConfigFile],
// which names the file rather than a key. The value is kept whole: it is never split on commas.
func EnvKey(name, value string) (string, any) {
	if name == EnvConfigFile {
		return "", nil
	}
	upper := strings.ToUpper(name)
	for _, key := range envKeys() {
		if envName(key) == upper {
			return key, value
		}
	}
	if n, ok := strings.CutPrefix(upper, envName(Root+".projection.versions")+"_"); ok && n != "" {
		return Root + ".projection.versions." + asName(n), value
	}
	if n, ok := strings.CutPrefix(upper, envName(DataRelationalDatasourcesKey)+"_"); ok {
		if n, ok := strings.CutSuffix(n, "_URL"); ok && n != "" {
			return DataRelationalDatasourcesKey + "." + asName(n) + ".url", value
		}
	}
	k := strings.ToLower(name)
	k = strings.ReplaceAll(k, "__", "\x00")
	k = strings.ReplaceAll(k, "_", ".")
	k = strings.ReplaceAll(k, "\x00", "_")
	return k, value
}

// envKeys lists the keys whose environment spelling [EnvKey] reads: those of [Keys] and the
// data module's it reads.
func envKeys() []string {
	return append(Keys(), DataRelationalURLKey, DataRelationalDDLAutoKey)
}

// envName is the environment variable that sets key, as pyfly spells it: upper case, "_" for
// each ".", "-" and "_" (pyfly.eventsourcing.outbox.max-attempts is
// PYFLY_EVENTSOURCING_OUTBOX_MAX_ATTEMPTS).
func envName(key string) string {
	r := strings.NewReplacer("-", "_", ".", "_")
	return strings.ToUpper(r.Replace(key))
}

// asName is a projection's or a datasource's name as an environment variable spells it: lower
// case, "__" read as "_".
func asName(s string) string { return strings.ReplaceAll(strings.ToLower(s), "__", "_") }
