// Package eventid makes event ids: UUIDv7 strings (RFC 9562), ordered by the time they name.
package eventid

import (
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// At returns a new event id for an event made at t: a version 7 UUID whose first 48 bits are t's
// Unix time in milliseconds and whose next 22 (the 12 of rand_a and the first 10 of rand_b, the
// RFC's "increased clock precision") are the fraction of that millisecond to a quarter of a
// nanosecond, so that ids of different clock readings sort in the order of the readings; the
// other 52 bits are random. They come from math/rand/v2's generator (ChaCha8, seeded from the
// operating system, one per thread): an id needs bits no other id has, and reading the operating
// system's generator for each one would cost a system call. Times before 1970 give the time part
// of 1970.
func At(t time.Time) string {
	var ms, frac uint64 // UnixMilli, unlike UnixNano, holds every year up to 9999
	if m := t.UnixMilli(); m >= 0 {
		ms = uint64(m)
		frac = uint64(t.Nanosecond()%1e6) << 22 / 1e6 // 22 bits, increasing with the nanoseconds
	}
	r := rand.Uint64()

	var u [16]byte
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | byte(frac>>18) // version 7, then the fraction's first 4 bits
	u[7] = byte(frac >> 10)
	u[8] = 0x80 | byte(frac>>4)&0x3f // the RFC's variant, then the fraction's last 10 bits
	u[9] = byte(frac<<4) | byte(r&0x0f)
	for i := 10; i < 16; i++ {
		u[i] = byte(r >> (8 * (i - 8)))
	}

	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], u[10:16])
	return string(s[:])
}
