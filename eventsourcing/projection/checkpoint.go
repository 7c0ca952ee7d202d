package projection

import "context"

// CheckpointStore keeps, per projection name, the global position up to which the projection has
// applied the stream. Implementations are safe for concurrent use across goroutines and, for
// durable stores, across processes. A store that implements es.Transactor runs each batch of a
// [Runner] in one of its transactions, and its writes join the transaction in the context (see
// es.TxJoiner): a read model written through that transaction commits with the checkpoint, so
// the projection sees each event exactly once.
//
// Names are 1 to [MaxNameBytes] bytes of UTF-8 without NUL; positions are 0 or more. Anything
// else is es.ErrInvalidArgument.
type CheckpointStore interface {
	// Load returns the projection's position. A missing checkpoint is created at initial; a
	// stored one wins over initial. When fence is above the checkpoint's fence, the fence is
	// raised to it, so a runner holding an older lease token can no longer move it (0 leaves the
	// fence alone). Load joins the transaction in ctx.
	Load(ctx context.Context, name string, initial, fence int64) (int64, error)
	// Position returns the projection's position and true, or false when it has no checkpoint.
	// It writes nothing.
	Position(ctx context.Context, name string) (int64, bool, error)
	// Move sets the position from expected to next and reports true, or changes nothing and
	// reports false when the checkpoint is not at expected (another runner moved it, or it was
	// reset, or it does not exist) or when fence is below the checkpoint's fence (a newer lease
	// holder fenced this runner out). A move that succeeds with a fence records it. Fence 0 means
	// the runner holds no lease: the fence is neither checked nor recorded. next may be below
	// expected. Move joins the transaction in ctx; a store that buffers writes until commit
	// reports a conflict it can only see at commit with an error matching [ErrCheckpointMoved].
	Move(ctx context.Context, name string, expected, next, fence int64) (bool, error)
	// Reset sets the projection's position, creating the checkpoint when it is missing, whatever
	// its position and fence: the runner then re-applies the stream after it (clear the read
	// model in the same transaction to rebuild it). Reset joins the transaction in ctx.
	Reset(ctx context.Context, name string, position int64) error
}
