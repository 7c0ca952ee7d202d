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
