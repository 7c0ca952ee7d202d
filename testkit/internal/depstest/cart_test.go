package depstest_test

import (
	"errors"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

type ItemAdded struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

type CheckedOut struct{}

// Cart is the aggregate of the one Given/When/Then test of this package.
type Cart struct {
	es.AggregateRoot
	Items   int
	Checked bool
}

var errEmptyCart = errors.New("cannot check out an empty cart")

func NewCart() *Cart {
	c := &Cart{}
	es.When(c, func(e ItemAdded) { c.Items += e.Qty })
	es.When(c, func(CheckedOut) { c.Checked = true })
	return c
}

func (c *Cart) CheckOut() error {
	if c.Items == 0 {
		return errEmptyCart
	}
	return c.Apply(CheckedOut{})
}

func TestCheckOut(t *testing.T) {
	testkit.Given(t, NewCart, ItemAdded{SKU: "tea", Qty: 2}).
		When(func(c *Cart) error { return c.CheckOut() }).
		Then(CheckedOut{}).
		ThenState(func(c *Cart) {
			if !c.Checked || c.Items != 2 {
				t.Errorf("checked %v with %d items, want true with 2", c.Checked, c.Items)
			}
		})
	testkit.Given(t, NewCart).
		When(func(c *Cart) error { return c.CheckOut() }).
		ThenError(errEmptyCart)
}
