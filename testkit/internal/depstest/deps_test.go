package depstest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// heavy are the modules a test that imports only testkit must not build: the drivers, the
// brokers and the ORM that testkit's sub-packages and the stores bring in.
var heavy = []string{
	"github.com/jackc/pgx",
	"github.com/nats-io/nats.go",
	"github.com/uptrace/bun",
	"github.com/ThreeDotsLabs/watermill",
}

// TestTestkitBuildsNoDriverOrBroker lists what `go test` builds for this package (the
// Given/When/Then test beside this file) and fails if a package of pgx, nats.go, Bun or
// Watermill is among it.
func TestTestkitBuildsNoDriverOrBroker(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	out, err := exec.CommandContext(t.Context(), goCmd, "list", "-deps", "-test",
		"-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Split(strings.TrimSpace(string(out)), "\n")
	found := map[string]bool{}
	for _, line := range deps {
		pkg, module, _ := strings.Cut(line, " ")
		found[pkg] = true
		for _, h := range heavy {
			if strings.HasPrefix(pkg, h) || strings.HasPrefix(module, h) {
				t.Errorf("a test importing only testkit builds %s (module %s)", pkg, module)
			}
		}
	}
	for _, want := range []string{"github.com/gofly/eventsourcing/testkit", "github.com/stretchr/testify/require"} {
		if !found[want] {
			t.Errorf("go list does not show %s among %d packages: it did not list this package's test", want, len(deps))
		}
	}
}
