package benchkit

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// countEvents pages through the whole stream and returns how many events it holds.
func countEvents(b *testing.B, store es.EventStore) int {
	b.Helper()
	n, err := pageThrough(context.Background(), store, 500)
	must(b, err)
	return n
}

// pageThrough reads the whole stream with ReadAll at limit, as a runner does, and returns how
// many events it read.
func pageThrough(ctx context.Context, store es.EventStore, limit int) (int, error) {
	var after int64
	n := 0
	for {
		page, err := store.ReadAll(ctx, after, limit)
		if err != nil {
			return n, err
		}
		n += len(page)
		if len(page) < limit {
			return n, nil
		}
		after = page[len(page)-1].GlobalPosition
	}
}

// ReadAll is the baseline of [Runner]: each operation pages through the whole stream with
// ReadAll at limit, as a runner does, and does nothing with the events. It reports events/s.
func ReadAll(b *testing.B, store es.EventStore, limit int) {
	ctx := context.Background()
	total := countEvents(b, store)
	b.ResetTimer()
	for range b.N {
		n, err := pageThrough(ctx, store, limit)
		if err != nil {
			b.Fatal(err)
		}
		if n != total {
			b.Fatalf("read %d events, want %d", n, total)
		}
	}
	b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "events/s")
}

var benchProjections atomic.Int64

// Runner measures a projection runner end to end: each operation runs a new projection (batch
// size limit, a no-op handler, checkpoints in the given store) from position 0 until it has
// applied and committed the whole stream, then stops it. It reports events/s; compare it with
// [ReadAll] on the same store in the same run. opts are added to the runner's options.
func Runner(b *testing.B, store es.EventStore, checkpoints projection.CheckpointStore, limit int, opts ...projection.Option) {
	total := countEvents(b, store)
	if total == 0 {
		b.Fatal("the store holds no events")
	}
	quiet := slog.New(slog.DiscardHandler)
	b.ResetTimer()
	for range b.N {
		var n atomic.Int64
		done := make(chan struct{})
		name := fmt.Sprintf("bench_view_%d", benchProjections.Add(1))
		p := projection.FunctionProjection(name, func(context.Context, es.Envelope) error {
			if n.Add(1) == int64(total) {
				close(done)
			}
			return nil
		})
		r, err := projection.NewRunner(p, store, append([]projection.Option{projection.WithBatchSize(limit), projection.WithCheckpoints(checkpoints),
			projection.WithPollInterval(time.Hour), projection.WithLogger(quiet)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		<-done
		if err := r.Stop(context.Background()); err != nil {
			b.Fatal(err)
		}
		st, err := r.Status(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if st.Lag != 0 || st.LastError != nil {
			b.Fatalf("the runner stopped at lag %d, last error %v", st.Lag, st.LastError)
		}
	}
	b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "events/s")
}
