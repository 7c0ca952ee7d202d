package eventsourcing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	es "github.com/gofly/eventsourcing/eventsourcing"
	"github.com/gofly/eventsourcing/eventsourcing/storekit"
	"github.com/gofly/eventsourcing/stores/memory"
)

type Greeted struct{ Name string }

// User has a method that starts with "On" and takes an event, but is not named after it.
type User struct {
	es.AggregateRoot
	Boarded bool
}

func NewUser() *User { return es.Init(&User{}) }

func (u *User) OnboardUser(Greeted) { u.Boarded = true }

func TestMethodNotNamedAfterItsEventIsNoHandler(t *testing.T) {
	u := NewUser()
	err := u.Apply(Greeted{Name: "ann"})
	require.ErrorIs(t, err, es.ErrNoHandler, "OnboardUser(Greeted) must not handle Greeted")
	assert.False(t, u.Boarded)
	assert.Contains(t, err.Error(), "OnGreeted")
	_, err = es.NewRepository(memory.NewEventStore(), NewUser)
	require.NoError(t, err, "a method that is not a handler is not a mistake")
}

// Ledger handles account.opened twice: by its Go type name and by its event type.
type Ledger struct {
	es.AggregateRoot
	Owner string
}

func NewLedger() *Ledger { return es.Init(&Ledger{}) }

func (l *Ledger) OnOpened(e Opened)        { l.Owner = e.Owner }
func (l *Ledger) OnAccountOpened(e Opened) { l.Owner = "second: " + e.Owner }

func TestTwoMethodsForOneEventType(t *testing.T) {
	l := NewLedger()
	err := l.Apply(Opened{Owner: "ann"})
	require.ErrorIs(t, err, es.ErrInvalidHandler)
	assert.Contains(t, err.Error(), "OnAccountOpened")
	assert.Contains(t, err.Error(), "OnOpened")
	assert.Contains(t, err.Error(), "account.opened")
	assert.Empty(t, l.Owner)
	assert.Zero(t, l.Version)
	_, err = es.NewRepository(memory.NewEventStore(), NewLedger)
	require.ErrorIs(t, err, es.ErrInvalidHandler, "the repository finds it when it probes its factory")
}

// Dotted handles "account.opened" by the event type written as a method name.
type Dotted struct {
	es.AggregateRoot
	Owner string
}

func (d *Dotted) OnAccountOpened(e Opened) { d.Owner = e.Owner }

func TestMethodNamedAfterTheEventType(t *testing.T) {
	d := es.Init(&Dotted{})
	require.NoError(t, d.Apply(Opened{Owner: "bo"}))
	assert.Equal(t, "bo", d.Owner)
	env, err := es.NewEnvelope(Opened{Owner: "cy"})
	require.NoError(t, err)
	require.NoError(t, d.Replay(env))
	assert.Equal(t, "cy", d.Owner)
}

func TestWhenForAnInterfaceIsAnErrorNotAPanic(t *testing.T) {
	for name, register := range map[string]func(*Counter){
		"EventTyper": func(c *Counter) { es.When(c, func(es.EventTyper) {}) },
		"any":        func(c *Counter) { es.When(c, func(any) {}) },
		"error":      func(c *Counter) { es.WhenErr(c, func(error) error { return nil }) },
	} {
		t.Run(name, func(t *testing.T) {
			factory := func() *Counter {
				c := NewCounter()
				require.NotPanics(t, func() { register(c) })
				return c
			}
			err := factory().Apply(Incremented{})
			require.ErrorIs(t, err, es.ErrInvalidHandler)
			assert.Contains(t, err.Error(), "interface")
			_, err = es.NewRepository(memory.NewEventStore(), factory)
			require.ErrorIs(t, err, es.ErrInvalidHandler)
		})
	}
}

func TestTwoWhenHandlersForOneType(t *testing.T) {
	factory := func() *Counter {
		c := NewCounter()
		es.When(c, func(Incremented) { c.N++ })
		es.When(c, func(Incremented) { c.N += 2 })
		return c
	}
	err := factory().Apply(Incremented{})
	require.ErrorIs(t, err, es.ErrInvalidHandler)
	assert.Contains(t, err.Error(), "two es.When handlers")
	_, err = es.NewRepository(memory.NewEventStore(), factory)
	require.ErrorIs(t, err, es.ErrInvalidHandler)
}

var errOverdraft = errors.New("overdraft")

type Withdrawn struct{ Amount int }

type Wallet struct {
	es.AggregateRoot
	Balance int
}

func NewWallet() *Wallet {
	w := &Wallet{Balance: 10}
	es.WhenErr(w, func(e Withdrawn) error {
		if e.Amount > w.Balance {
			return errOverdraft
		}
		w.Balance -= e.Amount
		return nil
	})
	return w
}

func TestWhenErrCanRefuse(t *testing.T) {
	w := NewWallet()
	require.NoError(t, w.Apply(Withdrawn{Amount: 4}))
	err := w.Apply(Withdrawn{Amount: 7})
	require.ErrorIs(t, err, errOverdraft)
	var he *es.EventHandlerError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "Withdrawn", he.EventType)
	assert.Equal(t, 6, w.Balance)
	assert.Equal(t, int64(1), w.Version, "a refused event does not move the version")
	assert.Len(t, w.PendingEvents(), 1, "a refused event is not queued")
}

func TestFactoryReturningNilIsRefused(t *testing.T) {
	_, err := es.NewRepository(memory.NewEventStore(), func() *Counter { return nil })
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "factory returned nil")
}

// Basket has an On… method whose parameter has no type name: it claims no event, so it is no
// handler and no mistake.
type Basket struct {
	es.AggregateRoot
	Owner string
	Items []string
}

func NewBasket() *Basket { return es.Init(&Basket{}) }

func (b *Basket) OnOpened(e Opened)      { b.Owner = e.Owner }
func (b *Basket) OnItems(items []string) { b.Items = items }

// Panicky names its event type through a field, and so panics on a zero value.
type Panicky struct{ Kind *string }

func (p Panicky) EventType() string { return *p.Kind }

// Sturdy has an On… method for Panicky that is not named after it.
type Sturdy struct {
	es.AggregateRoot
	Owner string
}

func (s *Sturdy) OnOpened(e Opened)     { s.Owner = e.Owner }
func (s *Sturdy) OnSomething(p Panicky) {}

func TestMethodsThatClaimNoEventDoNotBreakTheAggregate(t *testing.T) {
	b := NewBasket()
	require.NoError(t, b.Apply(Opened{Owner: "ann"}), "OnItems([]string) claims no event")
	assert.Equal(t, "ann", b.Owner)
	_, err := es.NewRepository(memory.NewEventStore(), NewBasket)
	require.NoError(t, err)

	s := es.Init(&Sturdy{})
	require.NoError(t, s.Apply(Opened{Owner: "bo"}), "OnSomething(Panicky) claims no event")
	assert.Equal(t, "bo", s.Owner)
}

// Claimer names a method after a parameter type whose EventType panics on a zero value.
type Claimer struct{ es.AggregateRoot }

func (c *Claimer) OnPanicky(p Panicky) {}

func TestAHandlerWhoseEventTypePanicsIsAMistake(t *testing.T) {
	c := es.Init(&Claimer{})
	var err error
	require.NotPanics(t, func() { err = c.Apply(Opened{}) })
	require.ErrorIs(t, err, es.ErrInvalidHandler)
	assert.Contains(t, err.Error(), "OnPanicky")
	assert.Contains(t, err.Error(), "panicked")
}

// Typer names a method after the interface it takes.
type Typer struct{ es.AggregateRoot }

func (t *Typer) OnEventTyper(es.EventTyper) {}

func TestAMethodNamedAfterAnInterfaceIsAMistake(t *testing.T) {
	err := es.Init(&Typer{}).Apply(Opened{})
	require.ErrorIs(t, err, es.ErrInvalidHandler)
	assert.Contains(t, err.Error(), "Typer.OnEventTyper")
	assert.Contains(t, err.Error(), "interface")
}

// OnOpened(Opened) handles event type "Opened" as well as Opened's own "account.opened". Before
// the fix replaying an envelope of type "Opened" failed with ErrNoHandler.
func TestMethodHandlesTheEventTypeItIsNamedAfter(t *testing.T) {
	a := NewAccount()
	env, err := es.NewEnvelope(Opened{Owner: "ann"})
	require.NoError(t, err)
	env.EventType = "Opened"
	require.NoError(t, a.Replay(env))
	assert.Equal(t, "ann", a.Owner)
	assert.Equal(t, int64(1), a.Version)

	// A When handler for the event still wins over the method, under either name.
	w := NewAccount()
	es.When(w, func(e Opened) { w.Owner = "when: " + e.Owner })
	require.NoError(t, w.Replay(env))
	assert.Equal(t, "when: ann", w.Owner)
	env.EventType = "account.opened"
	require.NoError(t, w.Replay(env))
	assert.Equal(t, "when: ann", w.Owner)

	// The event type a method is named after goes to another method whose event claims it.
	c := es.Init(&Claimed{})
	env.EventType = "Opened"
	require.NoError(t, c.Replay(env))
	assert.Equal(t, "plain", c.Got)
	env.EventType = "account.opened"
	require.NoError(t, c.Replay(env))
	assert.Equal(t, "opened", c.Got)
}

// PlainOpened's event type is "Opened", which OnOpened(Opened) is also named after.
type PlainOpened struct{}

func (PlainOpened) EventType() string { return "Opened" }

type Claimed struct {
	es.AggregateRoot
	Got string
}

func (c *Claimed) OnOpened(Opened)           { c.Got = "opened" }
func (c *Claimed) OnPlainOpened(PlainOpened) { c.Got = "plain" }

// PtrRoot embeds *es.AggregateRoot, which satisfies es.Aggregate but is nil unless set.
type PtrRoot struct {
	*es.AggregateRoot
	N int
}

func (p *PtrRoot) OnIncremented(Incremented) { p.N++ }

// An aggregate that embeds a nil *es.AggregateRoot is refused with an error, never a panic.
// Before the fix NewRepository, es.Init and es.When panicked on the nil pointer.
func TestNilEmbeddedRootIsAnErrorNotAPanic(t *testing.T) {
	_, err := es.NewRepository(memory.NewEventStore(), func() *PtrRoot { return &PtrRoot{} })
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "embed es.AggregateRoot by value")

	p := es.Init(&PtrRoot{})
	es.When(p, func(Incremented) {})
	assert.Nil(t, storekit.RootOf(p))
	require.ErrorIs(t, p.Apply(Incremented{}), es.ErrInvalidArgument)
	env, err := es.NewEnvelope(Incremented{})
	require.NoError(t, err)
	require.ErrorIs(t, p.Replay(env), es.ErrInvalidArgument)
	assert.Empty(t, p.PendingEvents())
	p.MarkCommitted()

	repo, err := es.NewRepository(memory.NewEventStore(), func() *PtrRoot { return &PtrRoot{AggregateRoot: &es.AggregateRoot{}} })
	require.NoError(t, err, "a root that is set works")
	require.ErrorIs(t, repo.Save(context.Background(), &PtrRoot{}), es.ErrInvalidArgument)

	// The root one nil pointer further down: the promoted root() would dereference nil.
	_, err = es.NewRepository(memory.NewEventStore(), func() *ViaNilInner { return &ViaNilInner{} })
	require.ErrorIs(t, err, es.ErrInvalidArgument)
	v := es.Init(&ViaNilInner{})
	es.When(v, func(Incremented) {})
	assert.Nil(t, storekit.RootOf(v))
	repo2, err := es.NewRepository(memory.NewEventStore(), func() *ViaNilInner { return &ViaNilInner{Inner: &Inner{}} })
	require.NoError(t, err)
	require.ErrorIs(t, repo2.Save(context.Background(), &ViaNilInner{}), es.ErrInvalidArgument)
}

// Inner holds the root by value.
type Inner struct{ es.AggregateRoot }

// ViaNilInner reaches its root through a pointer to Inner, nil unless set.
type ViaNilInner struct{ *Inner }
