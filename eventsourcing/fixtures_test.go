package eventsourcing_test

import (
	"errors"
	"fmt"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

type OrderPlaced struct {
	OrderID string `json:"order_id"`
	Amount  int    `json:"amount"`
}

type OrderShipped struct {
	Carrier string `json:"carrier"`
}

type OrderCancelled struct {
	Reason string `json:"reason"`
}

type ItemAdded struct {
	Item  Item `json:"item"`
	Count int  `json:"count"`
}

type Item struct {
	SKU   string  `json:"sku"`
	Price float64 `json:"price"`
}

// Order uses both a When handler and On<Type> methods.
type Order struct {
	es.AggregateRoot
	Amount    int
	Shipped   bool
	Carrier   string
	Items     []Item
	Cancelled bool
}

var errAlreadyShipped = errors.New("order already shipped")

func NewOrder() *Order {
	o := &Order{}
	es.When(o, func(e OrderPlaced) { o.Amount = e.Amount })
	es.When(o, func(e ItemAdded) {
		for range e.Count {
			o.Items = append(o.Items, e.Item)
		}
	})
	return o
}

func (o *Order) OnOrderShipped(e OrderShipped) {
	o.Shipped = true
	o.Carrier = e.Carrier
}

// OnOrderCancelled refuses to cancel a shipped order: a handler may return an error.
func (o *Order) OnOrderCancelled(e OrderCancelled) error {
	if o.Shipped {
		return errAlreadyShipped
	}
	o.Cancelled = true
	return nil
}

// Place is a command.
func (o *Order) Place(id string, amount int) error {
	if amount <= 0 {
		return fmt.Errorf("amount must be positive, got %d", amount)
	}
	o.ID = id
	return o.Apply(OrderPlaced{OrderID: id, Amount: amount})
}

// Opened names its own event type.
type Opened struct {
	Owner string `json:"owner"`
}

func (Opened) EventType() string { return "account.opened" }

// Account has only methods, so its constructor calls es.Init.
type Account struct {
	es.AggregateRoot
	Owner string
}

func NewAccount() *Account { return es.Init(&Account{}) }

func (a *Account) OnOpened(e Opened) { a.Owner = e.Owner }

// Counter is a small aggregate for the snapshot interval tests.
type Counter struct {
	es.AggregateRoot
	N int
}

type Incremented struct{}

func NewCounter() *Counter { return es.Init(&Counter{}) }

func (c *Counter) OnIncremented(Incremented) { c.N++ }
