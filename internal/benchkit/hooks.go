package benchkit

import (
	"context"
	"slices"
	"testing"
	"time"
)

// HookAppend1 measures what the observer hooks cost an append of one event when no observer is
// set (see [hookCost]).
func HookAppend1(b *testing.B, s Sides) {
	ctx := context.Background()
	one := Events(0, 1)
	hookCost(b, s, 1, func(side Side, _ string) error { return side.Append(ctx, NextAggregate(), 0, one) })
}

// HookLoad1000 measures what the observer hooks cost a repository load of 1,000 events when no
// observer is set (see [hookCost]); each side loads an aggregate of its own.
func HookLoad1000(b *testing.B, s Sides) {
	ctx := context.Background()
	if ours, bare := s.Side["store"], s.Side[Bare]; ours != nil && bare != nil {
		Fill(b, ours, "hook-load-1000-store", 1000)
		Fill(b, bare, "hook-load-1000-bare", 1000)
	}
	hookCost(b, s, 1000, func(side Side, name string) error {
		st, err := side.Load(ctx, "hook-load-1000-"+name)
		if err == nil {
			wantCount(b, 1000, st)
		}
		return err
	})
}

// hookCost runs op on the store side and on the [Bare] side (the same store's code reached past
// its observer checks; in memory, on a store of its own, so that both grow alike) in turns,
// operation by operation, the order flipping each time, so that both see the same machine
// whatever else runs on it. The sub-benchmark <store>/interleaved reports ours as events/s and
// the bare code as bare-events/s, perOp events per median operation, [Rounds] times;
// internal/cmd/benchreport prints their ratio. A store without a bare side is skipped.
func hookCost(b *testing.B, s Sides, perOp int, op func(side Side, name string) error) {
	ours, bare := s.Side["store"], s.Side[Bare]
	if ours == nil || bare == nil {
		b.Skipf("%s has no bare side", s.Store)
	}
	for range Rounds() {
		b.Run(s.Store+"/interleaved", func(b *testing.B) {
			var took [2][]time.Duration
			sides := [2]Side{ours, bare}
			names := [2]string{"store", Bare}
			i := 0
			for b.Loop() {
				for k := range 2 {
					j := (i + k) % 2
					began := time.Now()
					must(b, op(sides[j], names[j]))
					took[j] = append(took[j], time.Since(began))
				}
				i++
			}
			// The median operation, not the mean: a collection or a preemption that lands on one
			// side's operation says nothing about its code.
			b.ReportMetric(float64(perOp)/median(took[0]).Seconds(), "events/s")
			b.ReportMetric(float64(perOp)/median(took[1]).Seconds(), "bare-events/s")
		})
	}
}

// median returns the median of d, which it sorts.
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}
