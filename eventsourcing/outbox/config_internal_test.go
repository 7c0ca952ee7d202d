package outbox

import (
	"context"
	"testing"
	"time"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// nopStore is enough of a Store for New, which does no I/O.
type nopStore struct{ Store }

// WithRetention(0) keeps no delivered record; a Config without a retention keeps the default.
func TestRetentionZero(t *testing.T) {
	publish := func(context.Context, es.Envelope) error { return nil }
	for i, tc := range []struct {
		opts []Option
		want time.Duration
	}{
		{[]Option{WithRetention(0)}, 0},
		{nil, DefaultRetention},
		{[]Option{WithConfig(Config{Retention: -time.Hour})}, 0},
		{[]Option{WithRetention(time.Minute)}, time.Minute},
		{[]Option{WithRetention(0), WithConfig(Config{})}, DefaultRetention},
		{[]Option{WithConfig(Config{}), WithRetention(0)}, 0},
	} {
		o, err := New(nopStore{}, publish, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if o.cfg.retention != tc.want {
			t.Errorf("case %d: retention %s, want %s", i, o.cfg.retention, tc.want)
		}
	}
}
