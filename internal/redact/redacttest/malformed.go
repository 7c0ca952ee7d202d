// Package redacttest generates malformed database URLs around a random password, for property
// tests that check no output of a URL's reader ever shows the password.
package redacttest

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Case is one generated URL and the pieces of its password that must never be shown.
type Case struct {
	// URL is the generated text.
	URL string
	// Password is the random password before the edits.
	Password string
	// Pieces are the runs of the password's characters the edits left whole, at least
	// [MinPiece] long, as written and percent-decoded.
	Pieces []string
}

// MinPiece is the shortest run of a password's characters checked: shorter ones occur in
// ordinary text by chance.
const MinPiece = 5

// edits are the characters inserted into and deleted around the password.
const edits = ":/@?#%"

// alphabet is the password's: printable characters that need no encoding, so that only the
// edits make a URL malformed (and "+", which decodes to a space, is left out).
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*,;"

// hosts are loopback addresses only, and no edit can make a name that needs a lookup: the "@"
// before the host is never deleted (see [Generate]).
var hosts = [...]string{"127.0.0.1", "[::1]", "localhost"}

// template is a URL with the password's place and the window where edits apply: prefix ends
// where the window starts, and the window covers head + password + tail.
type template struct {
	prefix, head, tail, suffix string
	// colon is the index in head of the ":" between user and password when tail is "@".
	colon int
}

// Generate returns a URL built on a random template (PostgreSQL user info or query parameter,
// SQLite pragma or parameter, another scheme's user info) with a random password, after up to
// four random deletions and insertions of ":", "/", "@", "?", "#" and "%" in the window around
// the password (for a user info, from the "://" to the "@" before the host). Two characters of
// a user info are never deleted: the ":" between user and password, without which the URL names
// a user and holds no password, and the "@" before the host, without which the user info would
// become a host name to look up. Whatever else the edits do, a URL read as PostgreSQL's dials a
// loopback address or the default Unix socket. port is the port of every host; dir is a
// directory for SQLite files (it should not exist).
func Generate(r *rand.Rand, port int, dir string) Case {
	pw := password(r)
	host := hosts[r.IntN(len(hosts))] + ":" + strconv.Itoa(port)
	var t template
	switch r.IntN(6) {
	case 0, 1:
		scheme := [...]string{"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"}[r.IntN(4)]
		t = template{prefix: scheme, head: "://app:", tail: "@", suffix: host + "/app?sslmode=disable&connect_timeout=1", colon: 6}
	case 2:
		key := [...]string{"password", "sslpassword", "key", "token", "secret"}[r.IntN(5)]
		t = template{prefix: "postgres://app@" + host + "/app?connect_timeout=1&" + key, head: "=", suffix: "&application_name=gen"}
	case 3:
		q := [...]string{"?_pragma=key(", "?_pragma=busy_timeout(10)&_pragma=rekey('", "?token="}[r.IntN(3)]
		t = template{prefix: "sqlite:///" + dir + "/app.db" + q[:len(q)-1], head: q[len(q)-1:], tail: "", suffix: ")"}
	case 4:
		t = template{prefix: "sqlite", head: "://app:", tail: "@", suffix: host + "/app.db", colon: 6}
	default:
		scheme := [...]string{"mysql", "nats", "amqp"}[r.IntN(3)]
		t = template{prefix: scheme, head: "://app:", tail: "@", suffix: host + "/app", colon: 6}
	}
	window := []byte(t.head + pw + t.tail)
	// orig[i] is the index in pw of window[i], or -1 for the template's and inserted characters.
	orig := make([]int, len(window))
	for i := range orig {
		orig[i] = -1
		if j := i - len(t.head); j >= 0 && j < len(pw) {
			orig[i] = j
		}
	}
	// kept are the indexes of the characters no edit deletes, kept up to date as edits shift
	// them.
	var kept []int
	if t.tail == "@" {
		kept = []int{t.colon, len(window) - 1}
	}
	for range 1 + r.IntN(4) {
		if r.IntN(2) == 0 { // delete one of the edit characters
			var at []int
			for i, c := range window {
				if strings.IndexByte(edits, c) >= 0 && !slices.Contains(kept, i) {
					at = append(at, i)
				}
			}
			if len(at) == 0 {
				continue
			}
			i := at[r.IntN(len(at))]
			window = slices.Delete(window, i, i+1)
			orig = slices.Delete(orig, i, i+1)
			for k := range kept {
				if kept[k] > i {
					kept[k]--
				}
			}
			continue
		}
		i := r.IntN(len(window) + 1)
		window = slices.Insert(window, i, edits[r.IntN(len(edits))])
		orig = slices.Insert(orig, i, -1)
		for k := range kept {
			if kept[k] >= i {
				kept[k]++
			}
		}
	}
	return Case{URL: t.prefix + string(window) + t.suffix, Password: pw, Pieces: pieces(window, orig)}
}

// password returns 12 to 24 characters of [alphabet].
func password(r *rand.Rand) string {
	b := make([]byte, 12+r.IntN(13))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// pieces returns the runs of consecutive password characters in window, and each run less the
// two characters a "%" before it may have swallowed, with their decoded forms.
func pieces(window []byte, orig []int) []string {
	var out []string
	add := func(s string) {
		if len(s) < MinPiece {
			return
		}
		out = append(out, s)
		if d, err := url.PathUnescape(s); err == nil && d != s && len(d) >= MinPiece {
			out = append(out, d)
		}
	}
	start := -1
	for i := 0; i <= len(window); i++ {
		inRun := i < len(window) && orig[i] >= 0 && (start < 0 || orig[i] == orig[i-1]+1)
		if start >= 0 && !inRun {
			run := string(window[start:i])
			add(run)
			if start > 0 && window[start-1] == '%' && len(run) > 2 {
				add(run[2:])
			}
			start = -1
		}
		if start < 0 && i < len(window) && orig[i] >= 0 {
			start = i
		}
	}
	return out
}

// Leak returns the first piece of c's password that out shows, or "".
func (c Case) Leak(out string) string {
	for _, p := range c.Pieces {
		if strings.Contains(out, p) {
			return p
		}
	}
	return ""
}
