package redacttest

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The first piece of each case is a run of the password, as written in the URL; nearly every
// case keeps one; and Leak finds it.
func TestGenerate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	withPieces := 0
	for range 10000 {
		c := Generate(r, 1, "/nonexistent")
		if len(c.Pieces) == 0 {
			continue
		}
		withPieces++
		p := c.Pieces[0]
		if !strings.Contains(c.URL, p) || !strings.Contains(c.Password, p) || len(p) < MinPiece {
			t.Fatalf("piece %q is not a run of the password %q in %q", p, c.Password, c.URL)
		}
		if c.Leak("x"+c.URL) != p {
			t.Fatalf("Leak misses %q in %q", p, c.URL)
		}
	}
	if withPieces < 9000 {
		t.Fatalf("only %d of 10000 URLs keep a piece of their password to look for", withPieces)
	}
}
