package eventid

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Ids are version 7 UUIDs of the RFC's variant, naming the time given to the millisecond, all
// different.
func TestAt(t *testing.T) {
	const n = 100000
	seen := make(map[string]bool, n)
	at := time.Date(2026, 12, 7, 10, 11, 12, 345678901, time.UTC)
	for i := range n {
		id := At(at)
		u, err := uuid.Parse(id)
		require.NoError(t, err)
		require.Equal(t, id, u.String(), "the canonical text")
		assert.Equal(t, uuid.Version(7), u.Version())
		assert.Equal(t, uuid.RFC4122, u.Variant())
		sec, nsec := u.Time().UnixTime()
		assert.Equal(t, at.Truncate(time.Millisecond), time.Unix(sec, nsec).UTC(), "id %d", i)
		require.False(t, seen[id], "id %s made twice", id)
		seen[id] = true
	}
}

// Ids of later times sort after those of earlier ones, a nanosecond apart or more; a time before
// 1970 gives the time part of 1970.
func TestAtOrder(t *testing.T) {
	base := time.Date(2026, 12, 7, 10, 11, 12, 0, time.UTC)
	prev := At(base)
	for step := time.Duration(1); step < 3*time.Millisecond; step += 1 + step/1000 {
		id := At(base.Add(step))
		require.Greater(t, id, prev, "at +%v", step)
		prev = id
	}
	early := At(time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, "00000000-0000-7000-8", early[:20])
	for _, late := range []time.Time{time.Date(2300, 1, 1, 0, 0, 0, 999_999_999, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)} {
		u, err := uuid.Parse(At(late))
		require.NoError(t, err)
		sec, nsec := u.Time().UnixTime()
		assert.Equal(t, late.Truncate(time.Millisecond), time.Unix(sec, nsec).UTC(), "a time past what UnixNano holds")
		assert.Greater(t, At(late), At(late.Add(-time.Nanosecond)))
	}
}
