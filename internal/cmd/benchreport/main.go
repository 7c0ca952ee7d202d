// Command benchreport runs the project's benchmarks and prints one markdown table: for each
// operation and store, our rate, the raw baselines measured in the same run, and the ratios.
//
// Benchmarks follow one naming rule: Benchmark<Operation>/<store>/<variant>, where variant is
// "store" (ours), "limit" (raw SQL or code doing the same work on the leanest layout that keeps the
// same data and guarantees) or "minimal" (raw SQL on a 4-column table, or in memory a plain map
// and slice doing the same JSON work, for reference), and each reports an "events/s" metric. A
// variant "peer-<name>" is another library doing the same work:
// it gets a row of its own, next to ours, against the same limit and with ours ÷ peer (the
// median of the ratios within each run). A store variant that reports
// "p50-ms" and "p99-ms" instead (a latency) shows them, in ms. In a package with one store the
// <store> part may be left out; the package name is used. Every figure is the median of -count
// runs. Variant "interleaved" (the Hook* benchmarks) reports ours as events/s and the same store
// reached past its observer checks as bare-events/s, measured operation by operation in turn;
// they make a second table.
//
// The runs happen in one go test process: benchreport runs go test -count 1 with
// ES_BENCH_ROUNDS=<count>, and the benchmarks (internal/benchkit.InTurn) measure their variants
// that many rounds, turning the order from one round to the next (go test's own -count would run
// each variant n times in a row). The testing package names the later rounds <variant>#01, #02, …
//
// With -peers DIR[,DIR…] it then runs the benchmarks of the module in each DIR the same way:
// internal/peerbench measures the memory store again next to other libraries (variants
// peer-<name>), internal/peerbench/sqlstores the PostgreSQL and SQLite stores, and their rows
// replace those of the same operation and store.
//
//	go run ./internal/cmd/benchreport -count 5 -peers internal/peerbench,internal/peerbench/sqlstores ./stores/...
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// roundsEnv is internal/benchkit.RoundsEnv (benchreport imports nothing of the project).
const roundsEnv = "ES_BENCH_ROUNDS"

func main() {
	count := flag.Int("count", 5, "runs of each benchmark; the table shows medians")
	bench := flag.String("bench", ".", "benchmarks to run (go test -bench)")
	benchtime := flag.String("benchtime", "", "go test -benchtime, when set")
	peers := flag.String("peers", "", "also run the benchmarks of the modules in these directories, comma-separated (internal/peerbench, internal/peerbench/sqlstores: other libraries next to ours), after the packages given; their rows replace theirs of the same operation and store")
	in := flag.String("in", "", "read the output of an earlier run (go test -bench, as benchreport writes it on stderr) from this file instead of running")
	flag.Parse()
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		fmt.Printf("From %s; medians of the runs it holds.\n\n", *in)
		writeTable(os.Stdout, parse(f))
		return
	}
	pkgs := flag.Args()
	if len(pkgs) == 0 && *peers == "" {
		pkgs = []string{"./..."}
	}
	var out bytes.Buffer
	if len(pkgs) > 0 {
		if err := benchmarks(&out, "", goTestArgs(*bench, *benchtime, pkgs), *count); err != nil {
			fail(err)
		}
	}
	for _, dir := range strings.Split(*peers, ",") {
		if dir = strings.TrimSpace(dir); dir == "" {
			continue
		}
		if err := benchmarks(&out, dir, goTestArgs(*bench, *benchtime, []string{"./..."}), *count); err != nil {
			fail(err)
		}
	}
	results := parse(&out)
	fmt.Printf("Measured on %s (%d CPUs, %s/%s), %s; medians of %d runs, ratios the medians of the ratios within each run.\n\n",
		hostDescription(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), *count)
	writeTable(os.Stdout, results)
}

// goTestArgs returns the arguments of go test for the benchmarks of pkgs.
func goTestArgs(bench, benchtime string, pkgs []string) []string {
	args := []string{"test", "-run", "^$", "-bench", bench, "-count", "1", "-timeout", "0"}
	if benchtime != "" {
		args = append(args, "-benchtime", benchtime)
	}
	return append(args, pkgs...)
}

// benchmarks runs go with args in dir (the current directory when empty), rounds rounds of each
// benchmark, and writes its output to out and, for whoever wants the raw figures, to stderr.
func benchmarks(out io.Writer, dir string, args []string, rounds int) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", roundsEnv, rounds))
	cmd.Stdout = io.MultiWriter(out, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), cmp.Or(dir, "."), err)
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchreport:", err)
	os.Exit(1)
}

// hostDescription names the CPU model when the system says it.
func hostDescription() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "this machine"
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "this machine"
}
