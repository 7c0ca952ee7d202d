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

// results holds every events/s figure by row and variant, in the order rows first appeared.
type results struct {
	order []key
	rates map[key]map[string][]float64
}

// parse reads go test -bench output.
func parse(r io.Reader) *results {
	res := &results{rates: map[key]map[string][]float64{}}
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
		rate, ok := metric(fields, "events/s")
		if !ok {
			continue
		}
		k, variant, ok := name(pkg, fields[0])
		if !ok {
			continue
		}
		if res.rates[k] == nil {
			res.rates[k] = map[string][]float64{}
			res.order = append(res.order, k)
		}
		if variant == "interleaved" { // ours as events/s, the bare code beside it
			bare, ok := metric(fields, "bare-events/s")
			if !ok {
				continue
			}
			variant = "store"
			res.rates[k]["bare"] = append(res.rates[k]["bare"], bare)
		}
		res.rates[k][variant] = append(res.rates[k][variant], rate)
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
	switch variant {
	case "raw", "baseline":
		variant = "limit"
	case "store", "limit", "minimal", "interleaved":
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
