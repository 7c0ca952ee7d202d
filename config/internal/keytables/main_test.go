package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofly/eventsourcing/config"
)

// README.md's table of keys and config's package documentation are what config.KeyDocs gives.
func TestTablesAreGenerated(t *testing.T) {
	docs := config.KeyDocs()
	for path, update := range map[string]func([]byte, []config.KeyDoc) ([]byte, error){
		"../../../README.md": updateReadme,
		"../../doc.go":       updateDoc,
	} {
		current, err := os.ReadFile(path)
		require.NoError(t, err)
		want, err := update(current, docs)
		require.NoError(t, err, path)
		if line, w, g := firstDifference(string(want), string(current)); line > 0 {
			t.Errorf("%s is not what config/keydocs.go gives: run go generate ./config\nline %d is\n\t%s\nwhere the generator writes\n\t%s",
				strings.TrimLeft(path, "./"), line, g, w)
		}
	}
}

// firstDifference returns the first line (from 1) where want and got differ, and both lines; 0
// when they are equal.
func firstDifference(want, got string) (int, string, string) {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return i + 1, wl, gl
		}
	}
	return 0, "", ""
}

// The generated sections are replaced, and what surrounds them is kept.
func TestReplaceBetween(t *testing.T) {
	got, err := replaceBetween([]byte("a\n<b>\nold\nold\n<e>\nz\n"), "<b>\n", "<e>\n", "new\n")
	require.NoError(t, err)
	assert.Equal(t, "a\n<b>\nnew\n<e>\nz\n", string(got))
	got, err = replaceBetween([]byte("a\n<b>\n<e>\n"), "<b>\n", "<e>\n", "new\n")
	require.NoError(t, err)
	assert.Equal(t, "a\n<b>\nnew\n<e>\n", string(got))
	_, err = replaceBetween([]byte("a\n<b>\nold\n"), "<b>\n", "<e>\n", "new\n")
	require.EqualError(t, err, "no line <e> after <b>")
	_, err = replaceBetween([]byte("a\n"), "<b>\n", "<e>\n", "new\n")
	require.EqualError(t, err, "no line <b>")
}

// Lines wrap at the width, keeping the prefixes.
func TestWrap(t *testing.T) {
	lines := wrap(strings.Repeat("word ", 40), "//   - ", "//     ")
	require.Greater(t, len(lines), 1)
	for i, l := range lines {
		assert.LessOrEqual(t, len(l)-1, width, l)
		if i > 0 {
			assert.True(t, strings.HasPrefix(l, "//     word"), l)
		}
	}
}
