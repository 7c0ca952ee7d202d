package eventsourcing

import "context"

// TxEndNotifier is implemented by stores whose transactions ([Transactor]) tell when they end.
// The repository uses it so that a Save inside a transaction of the caller's takes effect on the
// aggregate only if that transaction commits: after a rollback the saved events are pending
// again (with the same event ids), and a snapshot that waits for the commit is not written.
// Every store of this module implements it on its event store.
type TxEndNotifier interface {
	// OnTxEnd arranges for fn to run once the transaction ctx carries (one of the store's own)
	// has ended, with committed true after its commit and false otherwise (a rollback, a failed
	// commit, a commit whose outcome is unknown). Functions registered on one transaction run in
	// the reverse order of their registration, as deferred calls do. OnTxEnd returns false, and
	// never calls fn, when ctx carries no open transaction of the store's.
	OnTxEnd(ctx context.Context, fn func(committed bool)) bool
}
