package testkit

import (
	"context"
	"slices"
	"sync"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// RecordingObserver is an es.Observer that records what it is told. Each Start method returns a
// context that carries a mark of that call: [UnderObserver] tells whether code runs under one,
// and each record says whether its End method got the context its Start returned.
type RecordingObserver struct {
	mu        sync.Mutex
	ops       []OpRecord
	batches   []BatchRecord
	publishes []PublishRecord
}

var _ es.Observer = (*RecordingObserver)(nil)

// OpRecord is one store or repository operation a [RecordingObserver] saw end.
type OpRecord struct {
	Op     es.Op
	Result es.OpResult
	// SameContext is true when EndOp got the context StartOp returned; Nested is true when
	// StartOp was given a context that was already under the observer (the operation ran
	// inside another one, an append inside a save).
	SameContext, Nested bool
}

// BatchRecord is one projection batch a [RecordingObserver] saw end.
type BatchRecord struct {
	Batch       es.Batch
	Result      es.BatchResult
	SameContext bool
}

// PublishRecord is one outbox publish a [RecordingObserver] saw end.
type PublishRecord struct {
	Publish     es.Publish
	Result      es.PublishResult
	SameContext bool
}

// observedKey marks a context a RecordingObserver's Start method returned.
type observedKey struct{}

// mark is the value under observedKey.
type mark struct {
	nested bool
}

// UnderObserver reports whether ctx comes from a RecordingObserver's Start method.
func UnderObserver(ctx context.Context) bool {
	_, ok := ctx.Value(observedKey{}).(mark)
	return ok
}

func (o *RecordingObserver) start(ctx context.Context) context.Context {
	return context.WithValue(ctx, observedKey{}, mark{nested: UnderObserver(ctx)})
}

// ended reports whether ctx is a context start returned, and whether that start was nested.
func ended(ctx context.Context) (same, nested bool) {
	m, ok := ctx.Value(observedKey{}).(mark)
	return ok, m.nested
}

// StartOp implements es.StoreObserver.
func (o *RecordingObserver) StartOp(ctx context.Context, _ es.Op) context.Context {
	return o.start(ctx)
}

// EndOp implements es.StoreObserver.
func (o *RecordingObserver) EndOp(ctx context.Context, op es.Op, res es.OpResult) {
	same, nested := ended(ctx)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, OpRecord{Op: op, Result: res, SameContext: same, Nested: nested})
}

// StartBatch implements es.BatchObserver.
func (o *RecordingObserver) StartBatch(ctx context.Context, _ es.Batch) context.Context {
	return o.start(ctx)
}

// EndBatch implements es.BatchObserver.
func (o *RecordingObserver) EndBatch(ctx context.Context, b es.Batch, res es.BatchResult) {
	same, _ := ended(ctx)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.batches = append(o.batches, BatchRecord{Batch: b, Result: res, SameContext: same})
}

// StartPublish implements es.PublishObserver.
func (o *RecordingObserver) StartPublish(ctx context.Context, _ es.Publish) context.Context {
	return o.start(ctx)
}

// EndPublish implements es.PublishObserver.
func (o *RecordingObserver) EndPublish(ctx context.Context, p es.Publish, res es.PublishResult) {
	same, _ := ended(ctx)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.publishes = append(o.publishes, PublishRecord{Publish: p, Result: res, SameContext: same})
}

// Ops returns the operations seen so far, in the order they ended; with kinds, only those.
func (o *RecordingObserver) Ops(kinds ...es.OpKind) []OpRecord {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []OpRecord
	for _, r := range o.ops {
		if len(kinds) == 0 || slices.Contains(kinds, r.Op.Kind) {
			out = append(out, r)
		}
	}
	return out
}

// Batches returns the batches seen so far, in the order they ended.
func (o *RecordingObserver) Batches() []BatchRecord {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]BatchRecord(nil), o.batches...)
}

// Publishes returns the publishes seen so far, in the order they ended.
func (o *RecordingObserver) Publishes() []PublishRecord {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]PublishRecord(nil), o.publishes...)
}

// Reset forgets everything seen so far.
func (o *RecordingObserver) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops, o.batches, o.publishes = nil, nil, nil
}
