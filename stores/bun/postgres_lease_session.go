package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"hash/fnv"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// sessionTimeout bounds a call on the session's connection. Those calls do not follow the
// caller's context: a call cut short could cost the connection, and with it the locks of every
// acquisition the Lease holds.
const sessionTimeout = 5 * time.Second

// leaseSession holds, on one connection of the pool, the PostgreSQL advisory locks of the
// acquisitions a [Lease] holds: they end with the session, so when the process dies (or loses
// its connection) another owner can tell at once that the acquisition is abandoned. The
// connection is taken from the pool while the Lease holds an acquisition, and given back when it
// holds none.
type leaseSession struct {
	db *bun.DB

	mu   sync.Mutex
	conn *sql.Conn            // nil while nothing is held
	held map[string]heldLease // by lease name: the acquisitions whose locks conn holds
}

// heldLease is an acquisition a leaseSession holds the lock of.
type heldLease struct {
	owner string
	fence int64
}

// acquisitionKey is the advisory lock key of the acquisition fence of the lease name: a 64-bit
// hash, so that a collision with any other lock is as good as impossible.
func acquisitionKey(name string, fence int64) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("pyfly_locks\x00"))
	_, _ = h.Write([]byte(name))
	var b [9]byte
	binary.BigEndian.PutUint64(b[1:], uint64(fence))
	_, _ = h.Write(b[:])
	return int64(h.Sum64())
}

// hold takes the lock of an acquisition just taken (the row is owner's with fence). Without it
// the acquisition would look abandoned, so when the lock cannot be had (an owner that is taking
// the row over holds it, or the session failed) the row is given up.
func (l *Lease) hold(ctx context.Context, name, owner string, fence int64) (int64, bool, error) {
	current := func(ctx context.Context) (int64, error) {
		var f int64
		if err := l.db.DB.QueryRowContext(ctx, l.q.fence, name).Scan(&f); err != nil {
			return 0, wrapErr(ctx, "acquire lease", leaseTable, err)
		}
		return f, nil
	}
	got, err := l.sessions.lock(ctx, name, owner, fence, current)
	if err == nil && got {
		return fence, true, nil
	}
	if _, rerr := l.db.DB.ExecContext(ctx, l.q.release, name, owner, fence); rerr != nil && err == nil {
		err = wrapErr(ctx, "release lease", leaseTable, rerr)
	}
	if err != nil {
		return 0, false, err
	}
	return 0, false, nil
}

// takeOver runs when the row is held: it takes the acquisition over when its holder's session
// has ended (its lock is free), and otherwise reports false.
func (l *Lease) takeOver(ctx context.Context, name, owner string, ttl time.Duration) (int64, bool, error) {
	var fence int64
	err := l.db.DB.QueryRowContext(ctx, l.q.live, name).Scan(&fence)
	if err == sql.ErrNoRows {
		return 0, false, nil // released or expired meanwhile: the next try acquires it
	}
	if err != nil {
		return 0, false, wrapErr(ctx, "acquire lease", leaseTable, err)
	}
	steal := func() (int64, bool, error) {
		var next int64
		err := l.db.DB.QueryRowContext(ctx, l.q.steal, name, owner, fence, l.dl.ttlArg(ttl)).Scan(&next)
		if err == sql.ErrNoRows {
			return 0, false, nil // another owner moved it first
		}
		if err != nil {
			return 0, false, wrapErr(ctx, "take over lease", leaseTable, err)
		}
		return next, true, nil
	}
	return l.sessions.takeOver(ctx, name, owner, fence, steal)
}

// lock takes the lock of the acquisition fence of name and records it as owner's. Once it holds
// the lock it checks with current that the row is still at fence: an owner that found the lock
// free before it was taken may have taken the acquisition over (and then given the lock back).
func (s *leaseSession) lock(ctx context.Context, name, owner string, fence int64, current func(context.Context) (int64, error)) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.closeIfIdle()
	key := acquisitionKey(name, fence)
	got, err := s.tryLock(ctx, key)
	if err != nil || !got {
		return false, err
	}
	if now, err := current(ctx); err != nil || now != fence {
		s.unlock(ctx, key)
		return false, err
	}
	if old, ok := s.held[name]; ok {
		s.unlock(ctx, acquisitionKey(name, old.fence)) // an acquisition of this Lease that is over
	}
	s.held[name] = heldLease{owner: owner, fence: fence}
	return true, nil
}

// takeOver takes the acquisition fence of name over for owner when its lock is free: it holds
// that lock and the next acquisition's (fence+1, so that nobody can take the new one over before
// its lock is held), runs steal, and keeps the new lock when steal moved the row to fence+1.
func (s *leaseSession) takeOver(ctx context.Context, name, owner string, fence int64, steal func() (int64, bool, error)) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.held[name]; ok && h.fence == fence {
		return 0, false, nil // a runner of this process holds it: it lives
	}
	defer s.closeIfIdle()
	old, next := acquisitionKey(name, fence), acquisitionKey(name, fence+1)
	got, err := s.tryLock(ctx, old)
	if err != nil || !got {
		return 0, false, err // the holder's session lives
	}
	defer s.unlock(ctx, old)
	if got, err = s.tryLock(ctx, next); err != nil || !got {
		return 0, false, err
	}
	moved, ok, err := steal()
	if err != nil || !ok || moved != fence+1 {
		s.unlock(ctx, next)
		return 0, false, err
	}
	s.held[name] = heldLease{owner: owner, fence: moved}
	return moved, true, nil
}

// forget drops the lock of an acquisition that is over (released, or lost to another owner).
func (s *leaseSession) forget(ctx context.Context, name, owner string, fence int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.held[name]
	if !ok || h.owner != owner || h.fence != fence {
		return
	}
	delete(s.held, name)
	s.unlock(ctx, acquisitionKey(name, fence))
	s.closeIfIdle()
}

// tryLock takes the lock key on the session without waiting; it opens the session when needed.
// It runs under s.mu.
func (s *leaseSession) tryLock(ctx context.Context, key int64) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sessionTimeout)
	defer cancel()
	if s.conn == nil {
		conn, err := s.db.DB.Conn(ctx)
		if err != nil {
			return false, wrapErr(ctx, "open the lease's session", leaseTable, err)
		}
		s.conn = conn
	}
	var got bool
	if err := s.conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		s.discard()
		return false, wrapErr(ctx, "lock the lease's session", leaseTable, err)
	}
	return got, nil
}

// unlock gives the lock key back; a failure ends the session, which gives every lock back. It
// runs under s.mu.
func (s *leaseSession) unlock(ctx context.Context, key int64) {
	if s.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sessionTimeout)
	defer cancel()
	var released bool
	if err := s.conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&released); err != nil {
		s.discard()
	}
}

// closeIfIdle gives the connection back to the pool once the session holds no acquisition's
// lock. It runs under s.mu.
func (s *leaseSession) closeIfIdle() {
	if s.conn != nil && len(s.held) == 0 {
		_ = s.conn.Close()
		s.conn = nil
	}
}

// discard closes the session's connection for good (not back to the pool: it could still hold
// locks), which ends the session and its locks. It runs under s.mu.
func (s *leaseSession) discard() {
	if s.conn == nil {
		return
	}
	_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = s.conn.Close()
	s.conn = nil
	clear(s.held)
}
