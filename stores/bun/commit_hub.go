package bunstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Channels of the commit signals other processes listen to (PostgreSQL LISTEN/NOTIFY).
const (
	eventsChannel = "pyfly_es_events"
)

// notifyInterval bounds how often a store sends a cross-process signal: commits in between
// coalesce into one.
const notifyInterval = 25 * time.Millisecond

// notifyDialect is what the commit signals need from a dialect
// (postgres_commit_hub.go, sqlite_commit_hub.go).
type notifyDialect interface {
	// notifies reports whether the database can signal other sessions (LISTEN/NOTIFY).
	notifies() bool
	// notify signals the listeners of channel in every session.
	notify(ctx context.Context, db *bun.DB, channel string) error
	// listen calls wake for each signal on channel (and once when it starts listening) until ctx
	// ends or the connection fails.
	listen(ctx context.Context, db *bun.DB, channel string, wake func()) error
}

// commitHub wakes readers after commits: subscribers in this process after this store's own
// commits, and, where the dialect notifies, readers in every process through a signal on a
// channel. Signals coalesce; they are hints, never a substitute for reading.
type commitHub struct {
	db      *bun.DB
	dl      notifyDialect
	channel string
	log     *slog.Logger

	mu      sync.Mutex
	subs    map[chan struct{}]struct{}
	stopLsn context.CancelFunc // stops the listener; nil when none runs
	sending bool               // a sender goroutine runs
	pending bool               // a commit waits for the sender
}

func newCommitHub(db *bun.DB, dl notifyDialect, channel string, log *slog.Logger) *commitHub {
	return &commitHub{db: db, dl: dl, channel: channel, log: log, subs: map[chan struct{}]struct{}{}}
}

// subscribe returns a channel that receives after commits, closed when ctx ends. The first
// subscriber starts the cross-process listener; the last one to leave stops it.
func (h *commitHub) subscribe(ctx context.Context) <-chan struct{} {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	if h.dl.notifies() && h.stopLsn == nil {
		lctx, cancel := context.WithCancel(context.Background())
		h.stopLsn = cancel
		go h.listen(lctx)
	}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, c)
		if len(h.subs) == 0 && h.stopLsn != nil {
			h.stopLsn()
			h.stopLsn = nil
		}
		h.mu.Unlock()
		close(c)
	})
	return c
}

// listen keeps a listener connection until ctx ends, reconnecting with a growing pause.
func (h *commitHub) listen(ctx context.Context) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := h.dl.listen(ctx, h.db, h.channel, h.wake)
		if ctx.Err() != nil {
			return
		}
		h.log.DebugContext(ctx, "bunstore: listening for commit signals failed; polling carries on", "channel", h.channel, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// wake signals every subscriber in this process that is not already due to wake.
func (h *commitHub) wake() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// committed reports a commit that wrote: it wakes this process's subscribers and signals the
// other processes (coalesced, off the caller's path).
func (h *commitHub) committed() {
	h.wake()
	if !h.dl.notifies() {
		return
	}
	h.mu.Lock()
	h.pending = true
	start := !h.sending
	h.sending = true
	h.mu.Unlock()
	if start {
		go h.send()
	}
}

// send delivers pending signals, at most one per notifyInterval, and ends when none is pending.
func (h *commitHub) send() {
	for {
		h.mu.Lock()
		if !h.pending {
			h.sending = false
			h.mu.Unlock()
			return
		}
		h.pending = false
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := h.dl.notify(ctx, h.db, h.channel); err != nil {
			h.log.Debug("bunstore: commit signal not sent; readers fall back to polling", "channel", h.channel, "error", err)
		}
		cancel()
		time.Sleep(notifyInterval)
	}
}

// afterCommit arranges for committed to run once the write in ctx's transaction on the hub's DB
// commits, or now when there is no such transaction (the write committed on its own).
func (h *commitHub) afterCommit(st *txState) {
	if st == nil {
		h.committed()
		return
	}
	st.onCommit(h, h.committed)
}
