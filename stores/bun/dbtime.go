package bunstore

import (
	"errors"
	"fmt"
	"time"
)

// dbTime receives a time column in whichever form the driver gives it: a time.Time (PostgreSQL
// TIMESTAMPTZ) or RFC 3339 text (SQLite stores [sqliteTimeLayout]). Decoding the text waits for
// [dbTime.UTC], so the caller can say which row was wrong.
type dbTime struct {
	t    time.Time
	text string
	kind uint8
}

const (
	dbTimeNull uint8 = iota
	dbTimeValue
	dbTimeText
)

// Scan implements sql.Scanner.
func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		d.t, d.kind = v, dbTimeValue
	case string:
		d.text, d.kind = v, dbTimeText
	case []byte:
		d.text, d.kind = string(v), dbTimeText
	case nil:
		d.kind = dbTimeNull
	default:
		return fmt.Errorf("bunstore: a time column holds a %T; want a timestamp or RFC 3339 text", src)
	}
	return nil
}

// UTC returns the scanned time in UTC. A NULL or text that is not RFC 3339 is an error (the
// parse error quotes the text).
func (d *dbTime) UTC() (time.Time, error) {
	switch d.kind {
	case dbTimeValue:
		return d.t.UTC(), nil
	case dbTimeText:
		t, err := time.Parse(time.RFC3339Nano, d.text)
		if err != nil {
			return time.Time{}, err
		}
		return t.UTC(), nil
	}
	return time.Time{}, errors.New("NULL is not a time")
}
