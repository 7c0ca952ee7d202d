package main

import (
	"bufio"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// key identifies one row of the table.
type key struct {
	pkg, operation, store string
}

// Units of the metrics the table shows: a rate, and the percentiles of a latency.
const (
	unitRate = "events/s"
	unitP50  = "p50-ms"
	unitP99  = "p99-ms"
)

// results holds every figure by row, variant and unit, in the order rows first appeared. A
// variant is "store", "limit", "minimal", "bare" (the hook cost's) or "peer-<name>"; the units are unitRate, unitP50 and
// unitP99.
type results struct {
	order []key
	rates map[key]map[string]map[string][]float64
}

// of returns the figures of one variant of row k in unit.
func (r *results) of(k key, variant, unit string) []float64 { return r.rates[k][variant][unit] }

// add records one figure of row k.
func (r *results) add(k key, variant, unit string, v float64) {
	if r.rates[k] == nil {
		r.rates[k] = map[string]map[string][]float64{}
		r.order = append(r.order, k)
	}
	if r.rates[k][variant] == nil {
		r.rates[k][variant] = map[string][]float64{}
	}
	r.rates[k][variant][unit] = append(r.rates[k][variant][unit], v)
}

// parse reads go test -bench output.
func parse(r io.Reader) *results {
	res := &results{rates: map[key]map[string]map[string][]float64{}}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		k, variant, ok := name(pkg, fields[0])
		if !ok {
			continue
		}
		if variant == "interleaved" { // ours as events/s, the bare code beside it
			ours, ok1 := metric(fields, unitRate)
			bare, ok2 := metric(fields, "bare-events/s")
			if ok1 && ok2 {
				res.add(k, "store", unitRate, ours)
				res.add(k, "bare", unitRate, bare)
			}
			continue
		}
		for _, unit := range []string{unitRate, unitP50, unitP99} {
			if v, ok := metric(fields, unit); ok {
				res.add(k, variant, unit, v)
			}
		}
	}
	return res
}

// metric finds the value printed before unit.
func metric(fields []string, unit string) (float64, bool) {
	for i := 1; i < len(fields); i++ {
		if fields[i] == unit {
			v, err := strconv.ParseFloat(fields[i-1], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// name splits BenchmarkOp/store/variant-GOMAXPROCS; a round suffix (variant#01) is dropped.
// Variants named peer-<name> are another library doing the same work.
func name(pkg, full string) (key, string, bool) {
	full = strings.TrimPrefix(full, "Benchmark")
	if i := strings.LastIndexByte(full, '-'); i > 0 {
		if _, err := strconv.Atoi(full[i+1:]); err == nil {
			full = full[:i]
		}
	}
	parts := strings.Split(full, "/")
	if len(parts) < 2 {
		return key{}, "", false
	}
	variant := parts[len(parts)-1]
	if i := strings.LastIndexByte(variant, '#'); i > 0 {
		if _, err := strconv.Atoi(variant[i+1:]); err == nil {
			variant = variant[:i] // a later round of the same variant
		}
	}
	switch {
	case variant == "raw" || variant == "baseline":
		variant = "limit"
	case variant == "store" || variant == "limit" || variant == "minimal" || variant == "interleaved":
	case strings.HasPrefix(variant, "peer-") && len(variant) > len("peer-"):
	default:
		return key{}, "", false
	}
	store := path.Base(pkg)
	if len(parts) > 2 {
		store = strings.Join(parts[1:len(parts)-1], "/")
	}
	return key{pkg: pkg, operation: parts[0], store: store}, variant, true
}

// median of a non-empty slice.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
