package config_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// A URL's password never appears in a configuration error, whatever key the URL landed in and
// whatever the password holds: values quoted in a message, and values that make up a key the
// message suggests, are shown with the password replaced.
// A password parameter holding an unencoded "&": the config error hides the part after it too.
// Before, the free-text masker stopped at the "&" and showed the rest.
func TestPasswordParameterWithAnAmpersandNeverInConfigErrors(t *testing.T) {
	u := "postgres://u@h/db?sslmode=disable&password=ab&S3CRETpw&connect_timeout=1"
	for _, tmpl := range []string{"eventsourcing: {store: {datasource: %s}}", "eventsourcing: {store: {provider: %s}}"} {
		yaml := "pyfly:\n  " + strings.Replace(tmpl, "%s", strconv.Quote(u), 1) + "\n"
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(yaml)))
		require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
		assert.NotContains(t, err.Error(), "S3CRETpw", yaml)
	}
}

func TestPasswordsNeverInConfigErrors(t *testing.T) {
	passwords := []string{"hunter2", `p@ss/w:rd#1?x`, `q"uo'te\z`, "sp ace{}", "x%40y&z=1", "ünï©ødé"}
	yamls := []string{
		"eventsourcing: {store: {datasource: %s}}",
		"eventsourcing: {snapshot: {datasource: %s}}",
		"data: {relational: {datasources: {events: %s}}}",
		"data: {relational: {datasources: %s}}",
		"data: {relational: {ddl-auto: %s}}",
		"data: {relational: {ddl-auto: %s, ddl_auto: none}}",
		"eventsourcing: {store: %s}",
		"eventsourcing: {store: {provider: %s}}",
		"eventsourcing: {snapshot: {provider: %s}}",
		"eventsourcing: {store: {position-strategy: %s}}",
		"eventsourcing: {store: {payload-format: %s}}",
		"eventsourcing: {projection: {checkpoint: %s}}",
		"eventsourcing: {projection: {checkpoint: {provider: %s}}}",
		"eventsourcing: {projection: {start-from: %s}}",
		"eventsourcing: {projection: {dead-letter-policy: %s}}",
		"eventsourcing: {projection: {batch-size: %s}}",
		"eventsourcing: {projection: {poll-interval: %s}}",
		"eventsourcing: {projection: {versions: {pv: %s}}}",
		"eventsourcing: {snapshot: {interval: %s}}",
		"eventsourcing: {eda: %s}",
		"eventsourcing: {enabled: %s}",
		"eventsourcing: {outbox: {enabled: true, mode: %s}}",
		"eventsourcing: {outbox: {enabled: true, start-from: %s}}",
		"eventsourcing: {outbox: {enabled: true, dead-letter-policy: %s}}",
		"eventsourcing: {outbox: {provider: %s}}",
	}
	for _, pw := range passwords {
		for _, u := range []string{
			"postgres://u:" + pw + "@h/db",
			"postgresql+asyncpg://app:" + pw + "@db.internal:5432/app?sslmode=disable",
			"url:postgres://u:" + pw + "@h/db",
		} {
			for _, tmpl := range yamls {
				yaml := "pyfly:\n  " + strings.Replace(tmpl, "%s", strconv.Quote(u), 1) + "\n"
				_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(yaml)))
				require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
				assert.NotContains(t, err.Error(), pw, yaml)
			}
			// A topic may hold anything but a NUL byte.
			yaml := "pyfly:\n  eventsourcing: {eda: {destination: " + strconv.Quote(u+"\x00") + "}}\n"
			_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(yaml)))
			require.ErrorIs(t, err, config.ErrInvalidConfig, yaml)
			assert.NotContains(t, err.Error(), pw, yaml)
			// From the environment too.
			for _, name := range []string{"PYFLY_EVENTSOURCING_STORE_PROVIDER", "PYFLY_EVENTSOURCING_STORE_DATASOURCE",
				"PYFLY_EVENTSOURCING_SNAPSHOT_INTERVAL", "PYFLY_EVENTSOURCING_PROJECTION_BATCH__SIZE", "PYFLY_EVENTSOURCING_ENABLED"} {
				_, err := config.Load(config.WithYAML(nil), environ(name+"="+u))
				require.ErrorIs(t, err, config.ErrInvalidConfig, name)
				assert.NotContains(t, err.Error(), pw, name)
			}
		}
	}

	// The value is still shown, less its password, and so is the key the message suggests.
	_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing: {store: {datasource: 'postgres://u:hunter2@h/db'}}\n")))
	require.EqualError(t, err, `eventsourcing: pyfly.eventsourcing.store.datasource: "postgres://u:xxxxx@h/db" names no datasource under `+
		`pyfly.data.relational.datasources; none is configured: declare it as pyfly.data.relational.datasources.postgres://u:xxxxx@h/db.url`)
	_, err = config.Load(config.WithoutEnv(), config.WithYAML([]byte("pyfly:\n  eventsourcing:\n    store:\n      url:postgres://u:hunter2@h/db\n")))
	require.ErrorContains(t, err, `eventsourcing: pyfly.eventsourcing.store: expects a map with the keys provider, url, datasource, auto-migrate, `+
		`position-strategy, payload-format, got "url:postgres://u:xxxxx@h/db"`)
}
