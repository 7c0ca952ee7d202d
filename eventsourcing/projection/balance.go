package projection

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gofly/eventsourcing/internal/check"
	"github.com/gofly/eventsourcing/internal/errs"
)

// DefaultGroup is the group a [Balancer] joins unless its [BalancerConfig] names another.
const DefaultGroup = "pyfly.projections"

// Membership keeps the live members of groups of processes: each member renews a heartbeat that
// expires after a time to live, measured by the store's clock (the database's for the Bun store),
// so processes with skewed clocks agree on who is live. It lives in the database the leases live
// in (the memory and Bun stores implement it beside their leases).
//
// Groups and members are 1 to [MaxNameBytes] bytes of UTF-8 without NUL; a time to live is from
// [MinLeaseTTL] to [MaxLeaseTTL]. Anything else is es.ErrInvalidArgument.
type Membership interface {
	// Heartbeat records member as live in group until ttl from now and returns the group's live
	// members (member among them), sorted by name, read in the same call.
	Heartbeat(ctx context.Context, group, member string, ttl time.Duration) ([]string, error)
	// Leave removes member from group at once, so the others count it out without waiting for
	// its heartbeat to expire. Leaving a group one is not in does nothing.
	Leave(ctx context.Context, group, member string) error
}

// BalancerConfig configures a [Balancer]. A zero field means its default.
type BalancerConfig struct {
	// Group names the members that share the leases: the processes running the same
	// projections (default [DefaultGroup]). Processes running different sets of projections on
	// one database belong in different groups.
	Group string
	// Member is this process's name in the group: host name, process id and a random suffix
	// by default. Two processes must never share one.
	Member string
	// TTL is how long a member counts as live after its last heartbeat, from [MinLeaseTTL] to
	// [MaxLeaseTTL] (default [DefaultLeaseTTL]); members beat every third of it. A process that
	// dies is counted out once it has passed, and the survivors then take its share.
	TTL time.Duration
	// Logger receives the balancer's logs (nil: slog.Default()).
	Logger *slog.Logger
}

// Balancer spreads the leases of the runners of one process across the processes of a group, so
// that each live process holds its share of them, within one. Every runner given the balancer
// ([WithBalancer]) counts as one lease; the balancer beats in the group's [Membership] while a
// runner is running, and a process's share is the number of leases its runners have divided by
// the number of live members, the remainder going one each to the members that sort first. So
// every member computes the same shares from the same live set: the runners of every member of a
// group must be the same.
//
// A standing-by runner tries its lease only while its process holds fewer leases than its share,
// and an active runner whose process holds more releases its lease between two batches (never
// during one), so that a member that joins takes those leases over. When a member dies, its
// leases become free (at once on PostgreSQL, after their time to live elsewhere) and its
// heartbeat expires after the balancer's TTL; the survivors' shares then grow and they take its
// leases. A lease that stays free for a whole TTL is taken by a runner above its share too, so
// that no lease waits for a member that does not run its projection. Fencing is the leases' own:
// a runner that released a lease cannot move the checkpoint once the next holder loaded it.
//
// A Balancer is safe for concurrent use; give one to every runner of the process.
type Balancer struct {
	members Membership
	group   string
	member  string
	ttl     time.Duration
	log     *slog.Logger

	life sync.Mutex // serialises the start and stop of the heartbeat
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex // guards the fields below
	runners map[*loopState]bool
	held    map[*loopState]bool
	live    []string  // the group's live members, as of the last heartbeat
	beatAt  time.Time // when the last heartbeat succeeded (by this process's clock)
	failure string    // the last heartbeat's error, "" when it succeeded
}

// BalancerStatus is what a [Balancer] knows at one moment.
type BalancerStatus struct {
	// Member is this process's name in the group; Group is the group's.
	Member, Group string
	// Members are the group's live members as of the last heartbeat, sorted; empty before it.
	Members []string
	// Leases is how many leases the runners of this process have (one per running runner).
	Leases int
	// Share is how many of them this process holds when balanced; -1 while unknown (before the
	// first heartbeat, or when the heartbeats have failed for a whole TTL).
	Share int
	// Held is how many of them this process holds now.
	Held int
}

// NewBalancer returns a balancer over members, configured by cfg. It does no I/O: it beats once
// a runner runs. A nil membership or a bad setting is es.ErrInvalidArgument.
func NewBalancer(members Membership, cfg BalancerConfig) (*Balancer, error) {
	if check.IsNil(members) {
		return nil, errs.Invalid("projection.NewBalancer: the membership is nil")
	}
	cfg.Group = cmp.Or(cfg.Group, DefaultGroup)
	cfg.TTL = cmp.Or(cfg.TTL, DefaultLeaseTTL)
	if cfg.Member == "" {
		cfg.Member = check.DefaultOwner(MaxNameBytes)
	}
	if err := validName("balancer group", cfg.Group); err != nil {
		return nil, err
	}
	if err := validName("balancer member", cfg.Member); err != nil {
		return nil, err
	}
	if p := ttlProblem(cfg.TTL); p != "" {
		return nil, errs.Invalid("projection.NewBalancer: TTL %s", p)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Balancer{
		members: members, group: cfg.Group, member: cfg.Member, ttl: cfg.TTL,
		log:     cfg.Logger.With(slog.String("balancer_group", cfg.Group), slog.String("member", cfg.Member)),
		runners: map[*loopState]bool{}, held: map[*loopState]bool{},
	}, nil
}

// Status reports the balancer's view: the live members, this process's leases, share and holdings.
func (b *Balancer) Status() BalancerStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BalancerStatus{Member: b.member, Group: b.group, Members: slices.Clone(b.live),
		Leases: len(b.runners), Share: b.shareLocked(), Held: len(b.held)}
}

// shareLocked is this process's share of its runners' leases, -1 while unknown. It runs under b.mu.
func (b *Balancer) shareLocked() int {
	if b.beatAt.IsZero() || time.Since(b.beatAt) > b.ttl {
		return -1
	}
	return shareOf(b.live, b.member, len(b.runners))
}

// shareOf is member's share of n leases among the live members: n divided by their number, plus
// one for each of the first n mod their number, in sorted order. A member missing from live
// counts as live (its own heartbeat just succeeded).
func shareOf(live []string, member string, n int) int {
	if !slices.Contains(live, member) {
		live = append(slices.Clone(live), member)
		slices.Sort(live)
	}
	m := len(live)
	share := n / m
	if slices.Index(live, member) < n%m {
		share++
	}
	return share
}

// join counts the runner of l in, starting the heartbeat with the first one; it waits (within
// ctx) for the first heartbeat, so that the runner knows its share from its first round.
func (b *Balancer) join(ctx context.Context, l *loopState) {
	b.life.Lock()
	defer b.life.Unlock()
	b.mu.Lock()
	b.runners[l] = true
	first := len(b.runners) == 1
	b.mu.Unlock()
	if !first {
		return
	}
	b.stop, b.done = make(chan struct{}), make(chan struct{})
	b.beat(ctx)
	go b.heartbeat(b.stop, b.done)
}

// leave counts the runner of l out; the last one stops the heartbeat and leaves the group.
func (b *Balancer) leave(ctx context.Context, l *loopState) {
	b.life.Lock()
	defer b.life.Unlock()
	b.mu.Lock()
	delete(b.runners, l)
	delete(b.held, l)
	last := len(b.runners) == 0
	b.mu.Unlock()
	if !last || b.stop == nil {
		return
	}
	close(b.stop)
	<-b.done
	b.stop, b.done = nil, nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(b.ttl, 5*time.Second))
	defer cancel()
	if err := b.members.Leave(ctx, b.group, b.member); err != nil {
		b.log.Warn("projection_balancer_leave_failed", slog.Any("error", err))
	}
	b.mu.Lock()
	b.live, b.beatAt, b.failure = nil, time.Time{}, ""
	b.mu.Unlock()
}

// heartbeat beats every third of the TTL until stop closes.
func (b *Balancer) heartbeat(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	t := time.NewTicker(b.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			b.beat(ctx)
		}
	}
}

// beat renews this member's heartbeat and records the live members.
func (b *Balancer) beat(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, b.ttl/3)
	defer cancel()
	began := time.Now()
	live, err := b.members.Heartbeat(ctx, b.group, b.member, b.ttl)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && b.failure != err.Error() {
			b.log.Error("projection_balancer_heartbeat_failed", slog.Any("error", err))
		}
		b.failure = err.Error()
		return
	}
	if !slices.Equal(live, b.live) {
		b.log.Info("projection_balancer_members", slog.Any("members", live), slog.Int("leases", len(b.runners)),
			slog.Int("share", shareOf(live, b.member, len(b.runners))))
	}
	b.live, b.beatAt, b.failure = live, began, ""
}

// reserve counts the runner of l as holding its lease when the process holds less than its
// share, and reports whether it did: the runner then tries the lease.
func (b *Balancer) reserve(l *loopState) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held[l] {
		return true
	}
	if share := b.shareLocked(); share < 0 || len(b.held) >= share {
		return false
	}
	b.held[l] = true
	return true
}

// force counts the runner of l as holding its lease whatever the share.
func (b *Balancer) force(l *loopState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held[l] = true
}

// drop counts the runner of l as holding no lease.
func (b *Balancer) drop(l *loopState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.held, l)
}

// shed counts the runner of l out of the holders when the process holds more than its share,
// and reports whether it did: the runner then releases its lease.
func (b *Balancer) shed(l *loopState) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.held[l] {
		return false
	}
	if share := b.shareLocked(); share < 0 || len(b.held) <= share {
		return false
	}
	delete(b.held, l)
	return true
}
