package testkit_test

import (
	"errors"
	"fmt"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

// ItemAdded and CartCheckedOut are the events of the example's Cart.
type (
	ItemAdded      struct{ SKU string }
	CartCheckedOut struct{ Items int }
)

// Cart is the aggregate the examples test.
type Cart struct {
	es.AggregateRoot
	Items      int
	CheckedOut bool
}

var errEmptyCart = errors.New("the cart is empty")

// NewCart returns an empty cart with the handlers of its events.
func NewCart() *Cart {
	c := &Cart{}
	es.When(c, func(ItemAdded) { c.Items++ })
	es.When(c, func(CartCheckedOut) { c.CheckedOut = true })
	return c
}

// Checkout is the command under test.
func (c *Cart) Checkout() error {
	if c.Items == 0 {
		return errEmptyCart
	}
	return c.Apply(CartCheckedOut{Items: c.Items})
}

// exampleT lets the fixture run in an Example, which has no *testing.T: a failure is printed, so
// it shows up as a difference from the expected output, and FailNow panics, which fails the
// example too. (In a test, pass the test's t.)
type exampleT struct{ testing.TB }

func (exampleT) Helper()                           {}
func (exampleT) Name() string                      { return "example" }
func (exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (exampleT) FailNow()                          { panic("FailNow") }

// Given replays past events into a new aggregate, When runs a command, and Then checks the events
// the command applied; ThenState looks at the aggregate afterwards.
func ExampleGiven() {
	t := exampleT{} // in a test: the test's t

	testkit.Given(t, NewCart, ItemAdded{SKU: "apple"}, ItemAdded{SKU: "pear"}).
		When(func(c *Cart) error { return c.Checkout() }).
		Then(CartCheckedOut{Items: 2}).
		ThenState(func(c *Cart) {
			fmt.Printf("checked out %d items at version %d\n", c.Items, c.Version)
		})
	// Output: checked out 2 items at version 3
}

// ThenError checks that the command failed with the expected error (matched with errors.Is) and
// applied no event.
func ExampleScenario_ThenError() {
	t := exampleT{} // in a test: the test's t

	testkit.Given(t, NewCart).
		When(func(c *Cart) error { return c.Checkout() }).
		ThenError(errEmptyCart).
		ThenState(func(c *Cart) {
			fmt.Println("checked out:", c.CheckedOut)
		})
	// Output: checked out: false
}
