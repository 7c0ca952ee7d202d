package testkit

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/projection"
)

// CheckpointStoreFactory returns a new, empty checkpoint store for one test.
type CheckpointStoreFactory func(t *testing.T) projection.CheckpointStore

// CheckpointStoreTest is one named case of the checkpoint store suite.
type CheckpointStoreTest = Case[CheckpointStoreFactory]

// CheckpointStoreTests returns the cases of the checkpoint store suite, in the order
// [RunCheckpointStoreSuite] runs them.
func CheckpointStoreTests() []CheckpointStoreTest {
	return []CheckpointStoreTest{
		{"LoadCreatesOnce", testCheckpointLoadCreatesOnce},
		{"MoveCompareAndSet", testCheckpointMove},
		{"Fencing", testCheckpointFencing},
		{"Reset", testCheckpointReset},
		{"HostileNames", testCheckpointHostileNames},
		{"BadInput", testCheckpointBadInput},
		{"ContextEnded", testCheckpointContextEnded},
		{"RaceOneWinner", testCheckpointRace},
		{"Transactions", testCheckpointTransactions},
		{"RaceInTransactions", testCheckpointRaceInTransactions},
	}
}

// RunCheckpointStoreSuite runs every case of [CheckpointStoreTests] as a subtest named after it:
// the conformance suite every [projection.CheckpointStore] must pass. Every store of this module
// runs transactions, and the suite requires it.
func RunCheckpointStoreSuite(t *testing.T, newStore CheckpointStoreFactory) {
	t.Helper()
	runCases(t, CheckpointStoreTests(), newStore)
}

// requirePosition checks that checkpoint name exists at want, as seen through ctx (inside a
// transaction, that transaction's view); why, if given, says what the check shows.
func requirePosition(ctx context.Context, t *testing.T, s projection.CheckpointStore, name string, want int64, why ...string) {
	t.Helper()
	note := strings.Join(why, " ")
	got, ok, err := s.Position(ctx, name)
	require.NoError(t, err)
	require.True(t, ok, "checkpoint %q exists %s", name, note)
	assert.Equal(t, want, got, "position of %q %s", name, note)
}

func testCheckpointLoadCreatesOnce(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	_, ok, err := s.Position(ctx, "orders_view")
	require.NoError(t, err)
	assert.False(t, ok, "no checkpoint yet, and Position creates none")
	_, ok, err = s.Position(ctx, "orders_view")
	require.NoError(t, err)
	assert.False(t, ok)
	p, err := s.Load(ctx, "orders_view", 5, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(5), p, "created at the initial position")
	p, err = s.Load(ctx, "orders_view", 9, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(5), p, "a stored checkpoint wins over initial")
	requirePosition(ctx, t, s, "orders_view", 5)
	_, ok, err = s.Position(ctx, "ORDERS_VIEW")
	require.NoError(t, err)
	assert.False(t, ok, "names compare exactly")
	p, err = s.Load(ctx, "big", math.MaxInt64, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(math.MaxInt64), p)
}

func testCheckpointMove(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	ok, err := s.Move(ctx, "p", 0, 3, 0)
	require.NoError(t, err)
	assert.False(t, ok, "a missing checkpoint is not at any position")
	_, exists, err := s.Position(ctx, "p")
	require.NoError(t, err)
	assert.False(t, exists, "a failed move creates nothing")
	_, err = s.Load(ctx, "p", 0, 0)
	require.NoError(t, err)
	ok, err = s.Move(ctx, "p", 0, 3, 0)
	require.NoError(t, err)
	assert.True(t, ok)
	requirePosition(ctx, t, s, "p", 3)
	ok, err = s.Move(ctx, "p", 0, 7, 0)
	require.NoError(t, err)
	assert.False(t, ok, "not at the expected position")
	requirePosition(ctx, t, s, "p", 3)
	ok, err = s.Move(ctx, "p", 3, 1, 0)
	require.NoError(t, err)
	assert.True(t, ok, "a move may go back")
	requirePosition(ctx, t, s, "p", 1)
	ok, err = s.Move(ctx, "p", 1, math.MaxInt64, 0)
	require.NoError(t, err)
	assert.True(t, ok)
	requirePosition(ctx, t, s, "p", math.MaxInt64)
}

func testCheckpointFencing(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	_, err := s.Load(ctx, "p", 0, 0)
	require.NoError(t, err)
	move := func(expected, next, fence int64) bool {
		t.Helper()
		ok, err := s.Move(ctx, "p", expected, next, fence)
		require.NoError(t, err)
		return ok
	}
	assert.True(t, move(0, 1, 3), "token 3 moves and is recorded")
	assert.False(t, move(1, 2, 2), "token 2 is older than 3")
	requirePosition(ctx, t, s, "p", 1)
	assert.True(t, move(1, 2, 3), "the same token again")
	p, err := s.Load(ctx, "p", 0, 5)
	require.NoError(t, err)
	assert.Equal(t, int64(2), p, "Load with a fence keeps the position")
	assert.False(t, move(2, 3, 3), "token 5 loaded it: token 3 is fenced out before it moves anything")
	assert.True(t, move(2, 3, 5))
	_, err = s.Load(ctx, "p", 0, 4)
	require.NoError(t, err)
	assert.False(t, move(3, 4, 4), "a lower fence never lowers the recorded one")
	assert.True(t, move(3, 4, 0), "fence 0 is a runner without a lease: not checked")
	assert.False(t, move(4, 5, 4), "and not recorded either: 5 still fences 4 out")
	assert.True(t, move(4, 5, math.MaxInt64))
	requirePosition(ctx, t, s, "p", 5)
	_, err = s.Load(ctx, "q", 0, 9)
	require.NoError(t, err)
	ok, err := s.Move(ctx, "q", 0, 1, 8)
	require.NoError(t, err)
	assert.False(t, ok, "a checkpoint created by Load with a fence is fenced from the start")
	ok, err = s.Move(ctx, "q", 0, 1, 9)
	require.NoError(t, err)
	assert.True(t, ok, "fences are per checkpoint: p's does not hold q back")
}

func testCheckpointReset(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.Reset(ctx, "fresh", 4))
	requirePosition(ctx, t, s, "fresh", 4)
	p, err := s.Load(ctx, "fresh", 0, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(4), p, "Reset creates a missing checkpoint")
	_, err = s.Load(ctx, "p", 10, 7)
	require.NoError(t, err)
	require.NoError(t, s.Reset(ctx, "p", 0))
	requirePosition(ctx, t, s, "p", 0)
	ok, err := s.Move(ctx, "p", 10, 11, 7)
	require.NoError(t, err)
	assert.False(t, ok, "a runner still at the old position is superseded")
	ok, err = s.Move(ctx, "p", 0, 1, 6)
	require.NoError(t, err)
	assert.False(t, ok, "Reset keeps the fence")
	ok, err = s.Move(ctx, "p", 0, 1, 7)
	require.NoError(t, err)
	assert.True(t, ok)
	require.NoError(t, s.Reset(ctx, "p", math.MaxInt64))
	requirePosition(ctx, t, s, "p", math.MaxInt64)
}

// hostileNames are valid names that break naive storage: SQL, quotes, wide characters, the
// longest name.
func hostileNames() []string {
	return []string{
		`x'; DROP TABLE pyfly_projection_checkpoints; --`,
		`"quoted" \back\slash`,
		"percent % and _ underscore",
		"ünïcødé 名前 🚀",
		" spaces ",
		"\t\n",
		strings.Repeat("n", projection.MaxNameBytes),
		strings.Repeat("é", projection.MaxNameBytes/2),
	}
}

func testCheckpointHostileNames(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	names := hostileNames()
	for i, n := range names {
		_, err := s.Load(ctx, n, int64(i), 0)
		require.NoError(t, err, "name %q", n)
	}
	for i, n := range names {
		requirePosition(ctx, t, s, n, int64(i))
		ok, err := s.Move(ctx, n, int64(i), int64(i+100), 0)
		require.NoError(t, err)
		assert.True(t, ok, "name %q", n)
	}
	for i, n := range names {
		requirePosition(ctx, t, s, n, int64(i+100))
	}
	_, ok, err := s.Position(ctx, "percent X and Y underscore")
	require.NoError(t, err)
	assert.False(t, ok, "names are not patterns")
}

func testCheckpointBadInput(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	_, err := s.Load(ctx, "p", 3, 0)
	require.NoError(t, err)
	for what, name := range map[string]string{
		"empty":         "",
		"too long":      strings.Repeat("n", projection.MaxNameBytes+1),
		"NUL":           "a\x00b",
		"invalid UTF-8": "a\xffb",
	} {
		_, err := s.Load(ctx, name, 0, 0)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Load, name %s", what)
		_, _, err = s.Position(ctx, name)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Position, name %s", what)
		_, err = s.Move(ctx, name, 0, 1, 0)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Move, name %s", what)
		err = s.Reset(ctx, name, 0)
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Reset, name %s", what)
	}
	_, err = s.Load(ctx, "n", -1, 0)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "negative initial")
	_, err = s.Load(ctx, "n", 0, -1)
	assert.ErrorIs(t, err, es.ErrInvalidArgument, "negative fence")
	for _, args := range [][3]int64{{-1, 4, 0}, {3, -1, 0}, {3, 4, -1}, {math.MinInt64, 4, 0}} {
		_, err = s.Move(ctx, "p", args[0], args[1], args[2])
		assert.ErrorIs(t, err, es.ErrInvalidArgument, "Move%v", args)
	}
	assert.ErrorIs(t, s.Reset(ctx, "p", -1), es.ErrInvalidArgument)
	requirePosition(ctx, t, s, "p", 3)
	_, ok, err := s.Position(ctx, "n")
	require.NoError(t, err)
	assert.False(t, ok, "bad input writes nothing")
}

func testCheckpointContextEnded(t *testing.T, newStore CheckpointStoreFactory) {
	s := newStore(t)
	_, err := s.Load(context.Background(), "p", 1, 0)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Load(ctx, "q", 0, 0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Move(ctx, "p", 1, 2, 0)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, s.Reset(ctx, "p", 9), context.Canceled)
	requirePosition(context.Background(), t, s, "p", 1, "nothing moved under the ended context")
}

func testCheckpointRace(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	_, err := s.Load(ctx, "hot", 0, 0)
	require.NoError(t, err)
	const runners = 16
	won := make([]bool, runners)
	errs := make([]error, runners)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range runners {
		wg.Go(func() {
			<-start
			won[i], errs[i] = s.Move(ctx, "hot", 0, int64(i+1), 0)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i := range runners {
		require.NoError(t, errs[i])
		if won[i] {
			require.Equal(t, -1, winner, "runners %d and %d both moved the checkpoint from 0", winner, i)
			winner = i
		}
	}
	require.NotEqual(t, -1, winner, "one runner moves the checkpoint")
	requirePosition(ctx, t, s, "hot", int64(winner+1))
}

func transactorOf(t *testing.T, s any) es.Transactor {
	t.Helper()
	tx, ok := s.(es.Transactor)
	require.True(t, ok, "%T must implement es.Transactor: every store of this module runs transactions", s)
	return tx
}

func testCheckpointTransactions(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	tx := transactorOf(t, s)
	if j, ok := s.(es.TxJoiner); ok {
		assert.False(t, j.JoinsTx(ctx))
		require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
			assert.True(t, j.JoinsTx(ctx), "the store joins its own transactions")
			return nil
		}))
	}
	_, err := s.Load(ctx, "p", 0, 0)
	require.NoError(t, err)
	boom := errors.New("boom")
	err = tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.Move(ctx, "p", 0, 5, 1)
		require.NoError(t, err)
		require.True(t, ok)
		requirePosition(ctx, t, s, "p", 5, "the transaction sees its own move")
		require.NoError(t, s.Reset(ctx, "other", 8))
		_, err = s.Load(ctx, "created", 2, 0)
		require.NoError(t, err)
		return boom
	})
	require.ErrorIs(t, err, boom)
	requirePosition(ctx, t, s, "p", 0)
	for _, n := range []string{"other", "created"} {
		_, ok, err := s.Position(ctx, n)
		require.NoError(t, err)
		assert.False(t, ok, "%q: a rolled-back transaction writes nothing", n)
	}
	ok, err := s.Move(ctx, "p", 0, 1, 0)
	require.NoError(t, err)
	assert.True(t, ok, "the rolled-back move recorded no fence")
	require.NoError(t, tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.Move(ctx, "p", 1, 6, 2)
		if err == nil && !ok {
			err = errors.New("move inside the transaction refused")
		}
		if err != nil {
			return err
		}
		ok, err = s.Move(ctx, "p", 6, 7, 2)
		if err == nil && !ok {
			err = errors.New("second move inside the transaction refused")
		}
		return err
	}))
	requirePosition(ctx, t, s, "p", 7)
	ok, err = s.Move(ctx, "p", 7, 8, 1)
	require.NoError(t, err)
	assert.False(t, ok, "the committed move recorded its fence")
}

// testCheckpointRaceInTransactions: runners that each move the checkpoint from the same position
// inside their own transaction: exactly one commits a move. The others see false, or fail their
// commit with projection.ErrCheckpointMoved (stores that check at commit).
func testCheckpointRaceInTransactions(t *testing.T, newStore CheckpointStoreFactory) {
	ctx := context.Background()
	s := newStore(t)
	tx := transactorOf(t, s)
	_, err := s.Load(ctx, "hot", 0, 0)
	require.NoError(t, err)
	const runners = 8
	committed := make([]bool, runners)
	errs := make([]error, runners)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range runners {
		wg.Go(func() {
			<-start
			var moved bool
			err := tx.InTx(ctx, func(ctx context.Context) error {
				var err error
				moved, err = s.Move(ctx, "hot", 0, int64(i+1), 0)
				return err
			})
			switch {
			case errors.Is(err, projection.ErrCheckpointMoved):
			case err != nil:
				errs[i] = err
			default:
				committed[i] = moved
			}
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i := range runners {
		require.NoError(t, errs[i], "runner %d", i)
		if committed[i] {
			require.Equal(t, -1, winner, "runners %d and %d both committed a move from 0", winner, i)
			winner = i
		}
	}
	require.NotEqual(t, -1, winner, "one runner commits its move")
	requirePosition(ctx, t, s, "hot", int64(winner+1))
}
