package main

import (
	"errors"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// Order statuses.
const (
	StatusPlaced    = "placed"
	StatusShipped   = "shipped"
	StatusCancelled = "cancelled"
)

// The events of an order. Each is a plain struct that survives a JSON round trip; EventType
// gives it a stable name on the wire and in the store.
type (
	// OrderPlaced opens an order for a customer.
	OrderPlaced struct {
		Customer string `json:"customer"`
	}
	// LineAdded adds quantity units of a product at a unit price in cents.
	LineAdded struct {
		SKU        string `json:"sku"`
		Quantity   int    `json:"quantity"`
		PriceCents int    `json:"price_cents"`
	}
	// OrderShipped sends the order with a carrier.
	OrderShipped struct {
		Carrier string `json:"carrier"`
	}
	// OrderCancelled cancels an order that has not shipped.
	OrderCancelled struct {
		Reason string `json:"reason"`
	}
)

// EventType names the event on the wire.
func (OrderPlaced) EventType() string { return "order.placed" }

// EventType names the event on the wire.
func (LineAdded) EventType() string { return "order.line_added" }

// EventType names the event on the wire.
func (OrderShipped) EventType() string { return "order.shipped" }

// EventType names the event on the wire.
func (OrderCancelled) EventType() string { return "order.cancelled" }

// Errors the commands return when a rule forbids them.
var (
	ErrNotPlaced     = errors.New("the order is not open")
	ErrAlreadyPlaced = errors.New("the order is already placed")
	ErrEmpty         = errors.New("an order without lines cannot ship")
)

// Line is one product on an order.
type Line struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PriceCents int    `json:"price_cents"`
}

// Order is the aggregate: its state changes only through its events.
type Order struct {
	es.AggregateRoot
	Customer string `json:"customer"`
	Status   string `json:"status"`
	Lines    []Line `json:"lines"`
	Carrier  string `json:"carrier,omitempty"`
}

// NewOrder returns an empty order; its handlers are the On<Event> methods below.
func NewOrder() *Order { return es.Init(&Order{}) }

// TotalCents is the sum of the lines.
func (o *Order) TotalCents() int {
	total := 0
	for _, l := range o.Lines {
		total += l.Quantity * l.PriceCents
	}
	return total
}

// Place opens the order.
func (o *Order) Place(id, customer string) error {
	if o.Status != "" {
		return ErrAlreadyPlaced
	}
	if customer == "" {
		return errors.New("a customer is required")
	}
	o.ID = id
	return o.Apply(OrderPlaced{Customer: customer})
}

// AddLine adds a product while the order is open.
func (o *Order) AddLine(sku string, quantity, priceCents int) error {
	if o.Status != StatusPlaced {
		return fmt.Errorf("add %s: %w", sku, ErrNotPlaced)
	}
	if quantity < 1 || priceCents < 0 {
		return fmt.Errorf("add %s: quantity must be 1 or more and price 0 or more", sku)
	}
	return o.Apply(LineAdded{SKU: sku, Quantity: quantity, PriceCents: priceCents})
}

// Ship sends an open order that has lines.
func (o *Order) Ship(carrier string) error {
	if o.Status != StatusPlaced {
		return fmt.Errorf("ship: %w", ErrNotPlaced)
	}
	if len(o.Lines) == 0 {
		return fmt.Errorf("ship: %w", ErrEmpty)
	}
	return o.Apply(OrderShipped{Carrier: carrier})
}

// Cancel cancels an order that has not shipped.
func (o *Order) Cancel(reason string) error {
	if o.Status != StatusPlaced {
		return fmt.Errorf("cancel: %w", ErrNotPlaced)
	}
	return o.Apply(OrderCancelled{Reason: reason})
}

// OnOrderPlaced handles order.placed.
func (o *Order) OnOrderPlaced(e OrderPlaced) {
	o.Customer = e.Customer
	o.Status = StatusPlaced
}

// OnLineAdded handles order.line_added.
func (o *Order) OnLineAdded(e LineAdded) {
	o.Lines = append(o.Lines, Line(e))
}

// OnOrderShipped handles order.shipped.
func (o *Order) OnOrderShipped(e OrderShipped) {
	o.Carrier = e.Carrier
	o.Status = StatusShipped
}

// OnOrderCancelled handles order.cancelled.
func (o *Order) OnOrderCancelled(OrderCancelled) {
	o.Status = StatusCancelled
}
