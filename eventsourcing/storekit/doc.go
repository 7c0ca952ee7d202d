// Package storekit is for authors of stores: the checks, copies and upcasting every store of
// github.com/gofly/eventsourcing applies the same way, so that a new store answers bad input with
// the same errors as the memory and Bun stores. Applications do not need it.
//
// One file per concern:
//   - events.go, for es.EventStore and es.SnapshotStore: a store's Append starts with
//     [ValidateAppend] (payloads and metadata nested at most [MaxJSONDepth] levels), its reads
//     with [ValidateLoad] or [ValidateReadAll] and finish each row with [DecodeEvent] (or run
//     [ApplyUpcasters] on their own copies): an event they cannot hand out is an
//     *es.DecodeError ([Undecodable]) that ends a ReadAll page; its snapshot Save starts with
//     [ValidateSnapshot]; times are kept as [StoredTime] gives them.
//   - outbox.go, for outbox.Store: one check per method ([ValidateEnqueue],
//     [ValidateClaimRequest], [ValidateMarkDelivered], [ValidateFailure], [ValidateClaims],
//     [ValidateOutboxList], [ValidateRetry], [ValidatePrune]).
//   - projection.go, for projection.CheckpointStore, projection.Lease and
//     projection.DeadLetterStore: [ValidateCheckpoint], [ValidateCheckpointMove], [ValidateLease],
//     [ValidateDeadLetter] and their kin.
//   - metadata.go, for all of them: metadata is stored as [NormalizeMetadata] gives it and read
//     back with [DecodeMetadata].
//   - root.go, for tools that work on any aggregate (test fixtures, inspectors): [RootOf].
//
// Every error here matches es.ErrInvalidArgument or es.ErrDecode.
package storekit
