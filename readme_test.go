package eventsourcing_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// fences returns the contents of the README's code blocks in the given language.
func fences(t *testing.T, lang string) []string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	re := regexp.MustCompile("(?ms)^```" + lang + "\n(.*?)^```\n")
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(readme), -1) {
		out = append(out, m[1])
	}
	return out
}

// readmePrograms maps each Go file of examples/readme to its content.
func readmePrograms(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("examples/readme/*/*.go")
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "main_test.go") {
			continue // the examples' own output checks
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out[f] = string(b)
	}
	return out
}

// excerptOf returns the file a README Go block is an excerpt of, named by its first line
// ("// examples/orders/bus.go"), and the excerpt; ok is false for a whole program.
func excerptOf(block string) (file, excerpt string, ok bool) {
	first, rest, _ := strings.Cut(block, "\n")
	m := regexp.MustCompile(`^// (examples/[\w/.-]+\.go)$`).FindStringSubmatch(first)
	if m == nil {
		return "", "", false
	}
	return m[1], rest, true
}

// unindented drops the leading tabs of every line, so that an excerpt shown at the left margin
// matches its lines inside a function.
func unindented(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// programBlocks returns the README's Go blocks that are whole programs (not excerpts).
func programBlocks(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, b := range fences(t, "go") {
		if _, _, ok := excerptOf(b); !ok {
			out = append(out, b)
		}
	}
	return out
}

// Every Go block of the README is a file of examples/readme, word for word, which `go vet` and
// `go test ./...` compile and run, or an excerpt of a file of examples/orders, whose tests run
// it (TestRunOnNATS, TestRunTwiceOnSQLite, …), line for line (indentation aside), that names the
// file on its first line; and every file of examples/readme is in the README.
func TestReadmeGoBlocksAreCompiledExamples(t *testing.T) {
	programs := readmePrograms(t)
	blocks := fences(t, "go")
	require.NotEmpty(t, blocks)
	shown := map[string]bool{}
	excerpts := 0
	for i, b := range blocks {
		if file, excerpt, ok := excerptOf(b); ok {
			src, err := os.ReadFile(file)
			require.NoError(t, err, "README Go block %d names %s", i, file)
			require.Contains(t, unindented(string(src)), unindented(excerpt), "README Go block %d is not an excerpt of %s", i, file)
			excerpts++
			continue
		}
		found := ""
		for f, src := range programs {
			if strings.TrimSpace(src) == strings.TrimSpace(b) {
				found = f
			}
		}
		require.NotEmpty(t, found, "README Go block %d is not a file of examples/readme:\n%.300s", i, b)
		shown[found] = true
	}
	for f := range programs {
		require.True(t, shown[f], "%s is not shown in the README", f)
	}
	require.GreaterOrEqual(t, excerpts, 3, "the read model, the JetStream publisher and the logger and configuration error of examples/orders")
}

// Every YAML block of the README parses as a configuration. Before the fix, the README showed
// url: sqlite::memory: unquoted, which is not valid YAML.
func TestReadmeYAMLBlocksParse(t *testing.T) {
	blocks := fences(t, "yaml")
	require.NotEmpty(t, blocks)
	for _, b := range blocks {
		_, err := config.Load(config.WithoutEnv(), config.WithYAML([]byte(b)))
		require.NoError(t, err, "README YAML block:\n%s", b)
	}
}

// A module outside the repository that follows the README (the quick start, the Fx program and
// the aggregate test, with a replace directive onto this checkout) builds and runs.
func TestReadmeInAScratchModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module of its own")
	}
	root, err := os.Getwd()
	require.NoError(t, err)
	dir := t.TempDir()
	modFile := "module example.com/scratch\n\ngo 1.26.0\n\nrequire github.com/gofly/eventsourcing v0.0.0\n\n" +
		"replace github.com/gofly/eventsourcing => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(modFile), 0o644))
	sum, err := os.ReadFile("go.sum")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	for i, b := range programBlocks(t) {
		name := "main.go"
		if strings.Contains(b, "func Test") {
			name = "readme_test.go"
		}
		pkg := filepath.Join(dir, "block"+string(rune('a'+i)))
		require.NoError(t, os.MkdirAll(pkg, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(pkg, name), []byte(b), 0o644))
	}
	goCmd := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Run(), "go %s:\n%s", strings.Join(args, " "), out.String())
		return out.String()
	}
	goCmd("mod", "tidy")
	goCmd("vet", "./...")
	require.Contains(t, goCmd("run", "./blocka"), "stale copy refused: true")
	require.Contains(t, goCmd("run", "./blockb"), "revenue: 42")
	require.Contains(t, goCmd("test", "./blockc"), "ok")
}
