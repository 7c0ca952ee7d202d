package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// describe names a benchmark's operation for the table.
func describe(op string) string {
	switch op {
	case "Append1":
		return "append 1 event to a new stream"
	case "Append10":
		return "append a batch of 10"
	case "Append100":
		return "append a batch of 100"
	case "ConcurrentWriters":
		return "4 concurrent writers, 1 event each"
	case "Load1000":
		return "repository load of 1,000 events"
	case "CatchUp":
		return "catch-up read, pages of 500"
	case "Race16":
		return "16-way race on one aggregate, one round (events/s = rounds/s)"
	case "SnapshotLoad":
		return "snapshot load, 50 events after it (store/aggregate size)"
	case "Projection":
		return "projection runner, no-op handler, batches of 100 (limit: paging ReadAll)"
	case "ProjectionBatch500":
		return "projection runner, no-op handler, batches of 500 (limit: paging ReadAll)"
	case "Rebuild1M":
		return "rebuild: a new projection version catching up over 1,000,000 events, no-op handler, batches of 100 (limit: paging ReadAll)"
	case "PartitionRead":
		return "partition 0 of 4 read through the stream, events of the stream covered (limit: paging the whole stream with ReadAll)"
	case "PartitionedProjection":
		return "projection, handler sleeping 2 ms an event: 4 partitions in 4 processes (limit: unpartitioned, 1 process)"
	case "Outbox1":
		return "outbox: commit to publish through the relay, 1 event per transaction (limit: the append alone)"
	case "HookAppend1":
		return "append 1 event to a new stream"
	case "HookLoad1000":
		return "repository load of 1,000 events"
	case "Outbox10":
		return "outbox: commit to publish through the relay, 10 events per transaction (limit: the append alone)"
	case "OutboxKeepNone1":
		return "outbox keeping no delivered records (retention 0: deleted as delivered): commit to publish, 1 event per transaction (limit: the append alone)"
	case "OutboxKeepNone10":
		return "outbox keeping no delivered records (retention 0: deleted as delivered): commit to publish, 10 events per transaction (limit: the append alone)"
	case "OutboxEnqueue1":
		return "outbox: append and enqueue, no relay, 1 event per transaction (limit: the append alone)"
	case "OutboxEnqueue10":
		return "outbox: append and enqueue, no relay, 10 events per transaction (limit: the append alone)"
	case "OutboxStream1":
		return "outbox stream (mode stream, no records): commit to publish, 1 event per transaction (limit: the append alone)"
	case "OutboxStream10":
		return "outbox stream (mode stream, no records): commit to publish, 10 events per transaction (limit: the append alone)"
	case "OutboxStreamLatency":
		return "outbox stream (mode stream): commit-to-publish latency p50 / p99 at half the append-alone rate, 1 event per transaction (limit: the append alone)"
	case "OutboxBacklog":
		return "outbox: draining a backlog, 10 events per aggregate, claims of 200 (limit: paging the records with a plain SELECT and publishing them, no claim or mark)"
	case "OutboxLatency":
		return "outbox: commit-to-publish latency p50 / p99 at half the append-alone rate, 1 event per transaction (limit: the append alone)"
	}
	return op
}

// describePeer names the library a peer-<name> variant measures.
func describePeer(variant string) string {
	switch name := strings.TrimPrefix(variant, "peer-"); name {
	case "watermill":
		return "Watermill SQL outbox + forwarder"
	case "hallgren":
		return "hallgren/eventsourcing"
	default:
		return name
	}
}

// writeTable writes the table of rates and ratios, then, when the run measured the hook cost
// (Hook* benchmarks: ours and the store reached past its observer checks, interleaved), the
// table of what the hook code costs with no hook set.
func writeTable(w io.Writer, res *results) {
	writeRates(w, res)
	writeHookCost(w, res)
}

// writeHookCost writes, for each row with a "bare" variant, ours with no hook set next to the
// same code without the hook calls, and their ratio.
func writeHookCost(w io.Writer, res *results) {
	header := false
	for _, k := range res.order {
		ours, bare := res.of(k, "store", unitRate), res.of(k, "bare", unitRate)
		if len(bare) == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "Hook code with no hook set: ours next to the same store reached past its observer checks (bare), operation by operation.")
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| operation | store | ours (events/s) | bare (events/s) | ours ÷ bare |")
			fmt.Fprintln(w, "|---|---|---:|---:|---:|")
			header = true
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", describe(k.operation), k.store,
			format(rate(ours)), format(rate(bare)), ratio(ours, bare))
	}
}

func writeRates(w io.Writer, res *results) {
	fmt.Fprintln(w, "| operation | store | ours (events/s) | limit (events/s) | ours ÷ limit | minimal (events/s) | ours ÷ minimal |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|")
	for _, k := range res.order {
		if len(res.of(k, "bare", unitRate)) > 0 {
			continue // the hook cost's table
		}
		limit := res.of(k, "limit", unitRate)
		if p50 := res.of(k, "store", unitP50); len(p50) > 0 {
			// A latency row: ours are the medians of the percentiles, in ms.
			fmt.Fprintf(w, "| %s | %s | %s / %s ms | %s | – | – | – |\n", describe(k.operation), k.store,
				format(rate(p50)), format(rate(res.of(k, "store", unitP99))), format(rate(limit)))
			continue
		}
		ours, minimal := res.of(k, "store", unitRate), res.of(k, "minimal", unitRate)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", describe(k.operation), k.store,
			format(rate(ours)), format(rate(limit)), ratio(ours, limit), format(rate(minimal)), ratio(ours, minimal))
		for _, variant := range peers(res.rates[k]) {
			peer := res.of(k, variant, unitRate)
			fmt.Fprintf(w, "| %s | %s, peer: %s (ours ÷ peer %s) | %s | %s | %s | %s | %s |\n", describe(k.operation), k.store,
				describePeer(variant), ratio(ours, peer), format(rate(peer)), format(rate(limit)), ratio(peer, limit),
				format(rate(minimal)), ratio(peer, minimal))
		}
	}
}

// peers returns the peer-<name> variants of a row, sorted.
func peers(variants map[string]map[string][]float64) []string {
	var out []string
	for v := range variants {
		if strings.HasPrefix(v, "peer-") {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func rate(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return median(v)
}

func format(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// ratio is the median of a[i] ÷ b[i], the ratios within each run (round i of both variants ran
// side by side), so a machine that drifts over the whole measurement does not skew it; with
// unequal counts, the ratio of the medians.
func ratio(a, b []float64) string {
	if len(a) == 0 || len(b) == 0 {
		return "–"
	}
	if len(a) != len(b) {
		if m := median(b); m != 0 {
			return fmt.Sprintf("%.2f", median(a)/m)
		}
		return "–"
	}
	r := make([]float64, 0, len(a))
	for i := range a {
		if b[i] != 0 {
			r = append(r, a[i]/b[i])
		}
	}
	if len(r) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", median(r))
}
