package config

import "strings"

// EnvPrefix is the prefix of the environment variables the configuration reads.
const EnvPrefix = "PYFLY_"

// EnvConfigFile names the environment variable holding the path of the YAML file.
const EnvConfigFile = "PYFLY_CONFIG"

// EnvKey maps an environment variable to its koanf key: lower case, "_" for ".", "__" for a
// literal "_" (PYFLY_EVENTSOURCING_STORE_AUTO__MIGRATE → pyfly.eventsourcing.store.auto_migrate,
// which the configuration accepts for store.auto-migrate); a "-" in the name is kept.
// It returns "" for [EnvConfigFile], which names the file rather than a key. The value is kept
// whole: it is never split on commas.
func EnvKey(name, value string) (string, any) {
	if name == EnvConfigFile {
		return "", nil
	}
	k := strings.ToLower(name)
	k = strings.ReplaceAll(k, "__", "\x00")
	k = strings.ReplaceAll(k, "_", ".")
	k = strings.ReplaceAll(k, "\x00", "_")
	return k, value
}

// envName is the environment variable that sets key, the inverse of [EnvKey]: upper case, "_"
// for ".", "__" for a "-" or "_" in a name (EnvKey reads it as "_", which the configuration
// accepts for the kebab-case key).
func envName(key string) string {
	r := strings.NewReplacer("-", "__", "_", "__", ".", "_")
	return strings.ToUpper(r.Replace(key))
}
