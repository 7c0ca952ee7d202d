package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	es "github.com/gofly/eventsourcing/eventsourcing"
	bunstore "github.com/gofly/eventsourcing/stores/bun"
)

// The aggregate of the pyfly fixtures (testdata/pyfly_*.sql), as a Go service declares it to
// share pyfly's events: its JSON names are pyfly's field names.
type pyOrder struct {
	es.AggregateRoot
	OrderID string `json:"order_id"`
	Amount  int    `json:"amount"`
	Note    string `json:"note"`
	Shipped bool   `json:"shipped"`
	Carrier string `json:"carrier"`
}

// OrderPlaced and OrderShipped are pyfly's dataclasses of the fixtures.
type OrderPlaced struct {
	OrderID string `json:"order_id"`
	Amount  int    `json:"amount"`
	Note    string `json:"note"`
}

type OrderShipped struct {
	Carrier string `json:"carrier"`
}

func newPyOrder() *pyOrder {
	o := &pyOrder{}
	es.When(o, func(e OrderPlaced) { o.OrderID, o.Amount, o.Note = e.OrderID, e.Amount, e.Note })
	es.When(o, func(e OrderShipped) { o.Shipped, o.Carrier = true, e.Carrier })
	return o
}

// pyflyFixture is testdata/pyfly_<generation>_<dialect>.sql.
func pyflyFixture(t *testing.T, db *bun.DB, generation string) {
	t.Helper()
	d, err := bunstore.DialectOf(db)
	require.NoError(t, err)
	execSQLFile(t, db, "testdata/pyfly_"+generation+"_"+string(d)+".sql")
}

// openUnmigrated opens url without touching its schema.
func openUnmigrated(t *testing.T, url string) *bun.DB {
	t.Helper()
	db, err := bunstore.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// at is a UTC time of the fixtures.
func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t
}

// readAll pages the whole stream, two events a page.
func readAll(t *testing.T, s es.EventStore) []es.Envelope {
	t.Helper()
	return readPaged(t, s, 2)
}

// readPaged pages the whole stream, limit events a page.
func readPaged(t *testing.T, s es.EventStore, limit int) []es.Envelope {
	t.Helper()
	var out []es.Envelope
	after := int64(0)
	for {
		page, err := s.ReadAll(context.Background(), after, limit)
		require.NoError(t, err, "reading the stream after position %d", after)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].GlobalPosition
	}
}

// ids lists the events' ids, in order.
func ids(envs []es.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.EventID
	}
	return out
}
