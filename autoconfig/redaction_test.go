package autoconfig_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofly/eventsourcing/autoconfig"
	"github.com/gofly/eventsourcing/config"
)

// Property: a random printable password in any store URL never appears in the module's logs or
// in the errors of building the settings, the databases, or starting them.
func TestPasswordsNeverInLogsOrErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for i := range 60 {
		b := make([]byte, 4+r.IntN(16))
		for j := range b {
			b[j] = byte(0x21 + r.IntN(0x7e-0x21+1))
		}
		pw := string(b)
		enc := url.QueryEscape(pw)
		for _, u := range []string{
			"postgresql+asyncpg://app:" + pw + "@127.0.0.1:1/app?connect_timeout=1",
			"postgres://app:" + enc + "@127.0.0.1:1/app?connect_timeout=1",
			"postgres://127.0.0.1:1/app?password=" + enc + "&connect_timeout=1",
		} {
			var logs bytes.Buffer
			cfg := config.Default()
			cfg.Enabled = true
			cfg.Store.StoreConfig = config.StoreConfig{Provider: "bun"}
			cfg.Snapshot.StoreConfig = config.StoreConfig{Provider: "memory", URL: u} // a URL the memory provider warns about
			cfg.DataRelationalURL = u
			var msgs []string
			s, err := autoconfig.NewSettings(cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			if err != nil {
				msgs = append(msgs, err.Error())
			} else if i%6 == 0 {
				dbs, err := autoconfig.NewDatabases(s)
				if err != nil {
					msgs = append(msgs, err.Error())
				} else {
					ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
					if err := dbs.Start(ctx); err != nil {
						msgs = append(msgs, err.Error())
					}
					cancel()
					_ = dbs.Close()
				}
			}
			msgs = append(msgs, logs.String())
			for _, m := range msgs {
				if strings.Contains(m, pw) || (len(enc) > 3 && strings.Contains(m, enc)) {
					t.Fatalf("password %q appears for %q:\n%s", pw, u, m)
				}
			}
		}
	}
}
