package storekit

import (
	"context"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// ObserveWrite runs write, a store's Append, under obs's report of op: StartOp, then write
// under the context it returned, then EndOp with op.Events and write's error. A store calls it
// only when it has an observer.
func ObserveWrite(ctx context.Context, obs es.StoreObserver, op es.Op, write func(ctx context.Context) error) error {
	began := time.Now()
	ctx = obs.StartOp(ctx, op)
	err := write(ctx)
	obs.EndOp(ctx, op, es.OpResult{Events: op.Events, Err: err, Duration: time.Since(began)})
	return err
}

// ObserveRead runs read, a store's Load or ReadAll, under obs's report of op: StartOp, then read
// under the context it returned, then EndOp with the number of events read and its error; a
// Load's op gets the aggregate type of the events it returned. A store calls it only when it
// has an observer.
func ObserveRead(ctx context.Context, obs es.StoreObserver, op es.Op, read func(ctx context.Context) ([]es.Envelope, error)) ([]es.Envelope, error) {
	began := time.Now()
	ctx = obs.StartOp(ctx, op)
	out, err := read(ctx)
	if op.Kind == es.OpLoad && len(out) > 0 {
		op.AggregateType = out[0].AggregateType
	}
	obs.EndOp(ctx, op, es.OpResult{Events: len(out), Err: err, Duration: time.Since(began)})
	return out, err
}
