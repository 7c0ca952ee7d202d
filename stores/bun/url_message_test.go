package bunstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// hugeURLs are database URLs of a megabyte that every way of opening refuses: a bad scheme, an
// unreachable server, a port no parser takes, a SQLite path no file system takes.
func hugeURLs() map[string]string {
	long := strings.Repeat("a", 1<<20)
	return map[string]string{
		"scheme":        "mysql://u:secret@" + long,
		"host":          "postgres://u:secret@" + long + "/db?connect_timeout=1",
		"query":         "postgres://u:secret@127.0.0.1:1/db?connect_timeout=1&x=" + long,
		"port":          "postgres://u:secret@127.0.0.1:99999999/db?x=" + long,
		"sqlite path":   "sqlite:///" + long,
		"sqlite scheme": "sqlite:" + long,
	}
}

// Before the fix, a URL of a megabyte made an error of one to three megabytes: the URL, and
// again the driver's error quoting it.
func TestHugeURLMakesASmallError(t *testing.T) {
	for name, u := range hugeURLs() {
		var errs []error
		if _, _, err := bunstore.ParseURL(u); err != nil {
			errs = append(errs, err)
		}
		if db, err := bunstore.NewDB(u); err != nil {
			errs = append(errs, err)
		} else {
			_ = db.Close()
		}
		if db, err := bunstore.Open(context.Background(), u); err != nil {
			errs = append(errs, err)
		} else {
			_ = db.Close()
		}
		assert.NotEmpty(t, errs, name)
		for _, err := range errs {
			assert.Less(t, len(err.Error()), 4096, "%s: %.200s", name, err)
			assert.NotContains(t, err.Error(), "secret", name)
		}
	}
}
