package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/gofly/eventsourcing/stores/bun
BenchmarkAppend1/postgres/store-2    1000   1000000 ns/op   1000.0 events/s   100 B/op
BenchmarkAppend1/postgres/limit-2    1000   1000000 ns/op   1100.0 events/s   100 B/op
BenchmarkAppend1/postgres/minimal-2  1000   1000000 ns/op   1300.0 events/s   100 B/op
BenchmarkAppend1/postgres/store#01-2    1000   1000000 ns/op   900.0 events/s   100 B/op
BenchmarkAppend1/postgres/limit#01-2    1000   1000000 ns/op   1000.0 events/s   100 B/op
BenchmarkAppend1/postgres/store#02-2    1000   1000000 ns/op   950.0 events/s   100 B/op
BenchmarkAppend1/postgres/limit#02-2    1000   1000000 ns/op   1200.0 events/s   100 B/op
BenchmarkLoad1000/sqlite/raw-2       10     1 ns/op         5.5 events/s
BenchmarkOther-2                      10     1 ns/op
pkg: github.com/gofly/eventsourcing/stores/memory
BenchmarkAppend1/store-2             10     1 ns/op         300000 events/s
BenchmarkAppend1/baseline-2          10     1 ns/op         400000 events/s
`

func TestParseAndTable(t *testing.T) {
	res := parse(strings.NewReader(sample))
	if len(res.order) != 3 {
		t.Fatalf("rows %v", res.order)
	}
	var out strings.Builder
	writeTable(&out, res)
	got := out.String()
	for _, want := range []string{
		"| append 1 event to a new stream | postgres | 950 | 1100 | 0.90 | 1300 | 0.73 |", // ratios of runs 0.91, 0.90, 0.79; one minimal run: ratio of medians
		"| repository load of 1,000 events | sqlite | – | 5.5 | – | – | – |",
		"| append 1 event to a new stream | memory | 300000 | 400000 | 0.75 | – | – |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing row %q in\n%s", want, got)
		}
	}
}

// TestHookCostTable: interleaved rows make a second table of ours ÷ bare, and stay out of the
// first; without them there is none.
func TestHookCostTable(t *testing.T) {
	res := parse(strings.NewReader(`pkg: github.com/gofly/eventsourcing/stores/memory
BenchmarkAppend1/memory/store-2     10   1 ns/op   990.0 events/s
BenchmarkAppend1/memory/limit-2     10   1 ns/op   2000.0 events/s
BenchmarkHookAppend1/memory/interleaved-2      10   1 ns/op   990.0 events/s   1000.0 bare-events/s
BenchmarkHookAppend1/memory/interleaved#01-2   10   1 ns/op   1000.0 events/s  1000.0 bare-events/s
BenchmarkHookAppend1/memory/interleaved#02-2   10   1 ns/op   1010.0 events/s  1000.0 bare-events/s
`))
	var out strings.Builder
	writeTable(&out, res)
	got := out.String()
	for _, want := range []string{
		"| append 1 event to a new stream | memory | 990 | 2000 | 0.49 | – | – |",
		"| operation | store | ours (events/s) | bare (events/s) | ours ÷ bare |",
		"| append 1 event to a new stream | memory | 1000 | 1000 | 1.00 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing row %q in\n%s", want, got)
		}
	}
	if strings.Count(got, "| append 1 event to a new stream | memory |") != 2 {
		t.Errorf("the interleaved row is in the first table:\n%s", got)
	}
	out.Reset()
	writeTable(&out, parse(strings.NewReader(sample)))
	if strings.Contains(out.String(), "bare") {
		t.Errorf("a hook table without interleaved rows:\n%s", out.String())
	}
}

const outboxSample = `pkg: github.com/gofly/eventsourcing/stores/bun
BenchmarkOutbox1/postgres/limit-2    300   1 ns/op   300.0 events/s
BenchmarkOutbox1/postgres/store-2    300   1 ns/op   270.0 events/s
BenchmarkOutbox1/postgres/peer-watermill-2    300   1 ns/op   240.0 events/s
BenchmarkOutbox1/postgres/peer--2    300   1 ns/op   1.0 events/s
BenchmarkOutboxLatency/postgres/limit-2    300   1 ns/op   300.0 events/s
BenchmarkOutboxLatency/postgres/store-2    300   1 ns/op   1.5 p50-ms   7.25 p99-ms
BenchmarkOutboxLatency/postgres/limit#01-2    300   1 ns/op   320.0 events/s
BenchmarkOutboxLatency/postgres/store#01-2    300   1 ns/op   2.5 p50-ms   9.25 p99-ms
`

// TestPeerAndLatencyRows: a peer-<name> variant gets a row of its own next to ours, against the
// same limit and with ours ÷ peer; a variant that reports latency percentiles shows their medians
// in ms.
func TestPeerAndLatencyRows(t *testing.T) {
	var out strings.Builder
	writeTable(&out, parse(strings.NewReader(outboxSample)))
	got := out.String()
	for _, want := range []string{
		"| outbox: commit to publish through the relay, 1 event per transaction (limit: the append alone) | postgres | 270 | 300 | 0.90 | – | – |",
		"| outbox: commit to publish through the relay, 1 event per transaction (limit: the append alone) | postgres, peer: Watermill SQL outbox + forwarder (ours ÷ peer 1.12) | 240 | 300 | 0.80 | – | – |",
		"| postgres | 2.0 / 8.2 ms | 310 | – | – | – |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "peer: |") || strings.Count(got, "\n") != 5 {
		t.Errorf("a variant named peer- alone is no peer; want 3 rows:\n%s", got)
	}
}
