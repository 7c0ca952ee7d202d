package main

import (
	"testing"

	"github.com/gofly/eventsourcing/testkit"
)

func TestOrderRules(t *testing.T) {
	testkit.Given(t, NewOrder).
		When(func(o *Order) error { return o.Place("o-1", "ann") }).
		Then(OrderPlaced{Customer: "ann"})
	testkit.Given(t, NewOrder, OrderPlaced{Customer: "ann"}).
		When(func(o *Order) error { return o.Ship("ups") }).
		ThenError(ErrEmpty)
	testkit.Given(t, NewOrder, OrderPlaced{Customer: "ann"}, LineAdded{SKU: "a", Quantity: 2, PriceCents: 150}).
		When(func(o *Order) error { return o.Ship("ups") }).
		Then(OrderShipped{Carrier: "ups"}).
		ThenState(func(o *Order) {
			if o.Status != StatusShipped || o.TotalCents() != 300 {
				t.Errorf("status %s, total %d", o.Status, o.TotalCents())
			}
		})
	testkit.Given(t, NewOrder, OrderPlaced{Customer: "ann"}, OrderShipped{Carrier: "ups"}).
		When(func(o *Order) error { return o.Cancel("late") }).
		ThenError(ErrNotPlaced)
	testkit.Given(t, NewOrder, OrderPlaced{Customer: "ann"}, OrderCancelled{Reason: "x"}).
		When(func(o *Order) error { return o.AddLine("a", 1, 1) }).
		ThenError(ErrNotPlaced)
}
