package unwrap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gofly/eventsourcing/internal/unwrap"
)

type store interface{ Name() string }

type named string

func (n named) Name() string { return string(n) }

type special struct{ named }

func (special) Special() string { return "special" }

type layer struct{ inner store }

func (l layer) Name() string  { return "layer" }
func (l layer) Unwrap() store { return l.inner }

type loop struct{}

func (loop) Name() string    { return "loop" }
func (l loop) Unwrap() store { return l }

type specialer interface{ Special() string }

func TestFind(t *testing.T) {
	got, ok := unwrap.Find[specialer](store(layer{layer{special{"base"}}}))
	assert.True(t, ok, "found two layers down")
	assert.Equal(t, "special", got.Special())

	_, ok = unwrap.Find[specialer](store(layer{named("plain")}))
	assert.False(t, ok, "no layer has it")
	_, ok = unwrap.Find[specialer](store(layer{nil}))
	assert.False(t, ok, "a nil layer ends the walk")
	_, ok = unwrap.Find[specialer](store(nil))
	assert.False(t, ok)
	_, ok = unwrap.Find[specialer](store(loop{}))
	assert.False(t, ok, "a layer that unwraps to itself ends the walk")
	self, ok := unwrap.Find[store](store(named("x")))
	assert.True(t, ok, "the store itself counts")
	assert.Equal(t, "x", self.Name())
}
