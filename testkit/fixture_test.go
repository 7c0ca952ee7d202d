package testkit_test

import (
	"errors"
	"runtime"
	"testing"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/testkit"
)

type Opened struct {
	Owner string `json:"owner"`
}

type Deposited struct {
	Amount int `json:"amount"`
}

type Account struct {
	es.AggregateRoot
	Owner   string
	Balance int
}

var errClosed = errors.New("account not open")

func NewAccount() *Account {
	a := &Account{}
	es.When(a, func(e Opened) { a.Owner = e.Owner })
	es.When(a, func(e Deposited) { a.Balance += e.Amount })
	return a
}

func (a *Account) Deposit(n int) error {
	if a.Owner == "" {
		return errClosed
	}
	return a.Apply(Deposited{Amount: n})
}

func TestGivenWhenThen(t *testing.T) {
	testkit.Given(t, NewAccount, Opened{Owner: "ann"}, Deposited{Amount: 5}).
		When(func(a *Account) error { return a.Deposit(10) }).
		Then(Deposited{Amount: 10}).
		ThenState(func(a *Account) {
			if a.Balance != 15 || a.Version != 3 {
				t.Errorf("balance %d version %d, want 15 and 3", a.Balance, a.Version)
			}
		})

	testkit.Given(t, NewAccount).
		When(func(a *Account) error { return a.Deposit(10) }).
		ThenError(errClosed)
}

// failRecorder records failures instead of failing the enclosing test.
type failRecorder struct {
	testing.TB
	failed bool
}

func (r *failRecorder) Helper()               {}
func (r *failRecorder) Errorf(string, ...any) { r.failed = true }
func (r *failRecorder) FailNow()              { r.failed = true; runtime.Goexit() }

// TestFixtureCatchesMistakes checks that Then and ThenError fail when the outcome differs.
func TestFixtureCatchesMistakes(t *testing.T) {
	cases := map[string]func(testing.TB){
		"other event": func(tb testing.TB) {
			testkit.Given(tb, NewAccount, Opened{Owner: "ann"}).
				When(func(a *Account) error { return a.Deposit(10) }).
				Then(Deposited{Amount: 11})
		},
		"missing event": func(tb testing.TB) {
			testkit.Given(tb, NewAccount, Opened{Owner: "ann"}).
				When(func(a *Account) error { return a.Deposit(10) }).
				Then()
		},
		"error expected": func(tb testing.TB) {
			testkit.Given(tb, NewAccount, Opened{Owner: "ann"}).
				When(func(a *Account) error { return a.Deposit(10) }).
				ThenError(errClosed)
		},
	}
	for name, run := range cases {
		r := &failRecorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			run(r)
		}()
		<-done
		if !r.failed {
			t.Errorf("%s: the fixture did not fail", name)
		}
	}
}
