package projection

import "time"

// Bounds of a catch-up's commits (see [WithCommitSize]).
const (
	// catchUpTxTime bounds how long reading and handling the pages of one catch-up batch may
	// take, at the last batch's pace. Its transaction holds the read model's row locks, and on
	// PostgreSQL every reader's horizon (see stores/bun), until it ends; and the runner renews its
	// lease only between batches.
	catchUpTxTime = 50 * time.Millisecond
	// commitShare is the share of a catch-up's time its commits may take: pages join a
	// transaction until its begin, checkpoint move and commit cost at most 1/commitShare of
	// reading and handling them.
	commitShare = 10
)

// pace is what the last whole batch cost: the part that does not grow with its size (begin,
// checkpoint move, commit) and the handlers' time per event. A catch-up sizes its commits from
// it: where commits are dear (a disk flush on PostgreSQL) it joins pages, where they are cheap
// (memory) it does not, and where handlers are slow it keeps transactions short.
type pace struct {
	commit   time.Duration // 0 until a batch is measured
	perEvent time.Duration
}

// observe records a batch of n events that took total, of which handling was the handlers' time.
func (p *pace) observe(n int, total, handling time.Duration) {
	p.commit = max(total-handling, time.Nanosecond)
	p.perEvent = handling / time.Duration(n)
}

// pages returns how many full pages of limit events, each read in about read, the next commit
// should take: enough that the commit costs at most 1/commitShare of the work, no more than the
// commit size allows, and few enough that reading and handling them takes at most bound. 1
// before the first batch is measured.
func (p *pace) pages(read time.Duration, limit, commitSize int, bound time.Duration) int {
	if p.commit == 0 {
		return 1
	}
	page := max(read+time.Duration(limit)*p.perEvent, time.Nanosecond)
	n := 1 + int(min(commitShare*float64(p.commit)/float64(page), 1<<20))
	n = min(n, commitSize/limit, int(min(bound/page, 1<<20)))
	return max(n, 1)
}
