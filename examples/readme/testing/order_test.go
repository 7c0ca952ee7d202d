package orders

import (
	"errors"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

type (
	Opened    struct{ Owner string }
	Deposited struct{ Amount int }
)

type Account struct {
	es.AggregateRoot
	Balance int
}

func NewAccount() *Account                 { return es.Init(&Account{}) }
func (a *Account) OnOpened(Opened)         {}
func (a *Account) OnDeposited(e Deposited) { a.Balance += e.Amount }
func (a *Account) Deposit(amount int) error {
	if amount <= 0 {
		return ErrAmount
	}
	return a.Apply(Deposited{Amount: amount})
}

var ErrAmount = errors.New("the amount must be positive")

func TestDeposit(t *testing.T) {
	testkit.Given(t, NewAccount, Opened{Owner: "ann"}).
		When(func(a *Account) error { return a.Deposit(10) }).
		Then(Deposited{Amount: 10}).
		ThenState(func(a *Account) {
			if a.Balance != 10 {
				t.Errorf("balance %d", a.Balance)
			}
		})
	testkit.Given(t, NewAccount, Opened{Owner: "ann"}).
		When(func(a *Account) error { return a.Deposit(0) }).
		ThenError(ErrAmount)
}
