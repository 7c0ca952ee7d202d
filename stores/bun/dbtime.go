package bunstore

import (
	"errors"
	"fmt"
	"time"
)

// dbTime receives a time column in whichever form the driver gives it: a time.Time (PostgreSQL
// TIMESTAMPTZ) or text: RFC 3339 (SQLite stores [sqliteTimeLayout]), or the ISO forms pyfly's
// rows hold on SQLite (see [parseISOTime]). Decoding the text waits for [dbTime.UTC], so the
// caller can say which row was wrong.
type dbTime struct {
	t    time.Time
	text string
	kind uint8
}

const (
	dbTimeNull uint8 = iota
	dbTimeValue
	dbTimeText
	dbTimeOther // a value of another type, named in text
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
		d.text, d.kind = fmt.Sprintf("%T", src), dbTimeOther
	}
	return nil
}

// UTC returns the scanned time in UTC. A NULL, a value of another type or text that is neither
// RFC 3339 nor one of [parseISOTime]'s forms is an error (the parse error quotes the text).
func (d *dbTime) UTC() (time.Time, error) {
	switch d.kind {
	case dbTimeValue:
		return d.t.UTC(), nil
	case dbTimeText:
		if t, ok := parseStoredTime(d.text); ok {
			return t, nil
		}
		return parseISOTime(d.text)
	case dbTimeOther:
		return time.Time{}, fmt.Errorf("bunstore: a time column holds a %s; want a timestamp or RFC 3339 text", d.text)
	}
	return time.Time{}, errors.New("NULL is not a time")
}

// isoLayouts are the forms [parseISOTime] reads: Python's datetime.isoformat with either
// separator (sqlite3 stores isoformat(" "), SQLAlchemy a space and six digits of microseconds),
// with or without an offset; a fraction of any length is read after the seconds.
var isoLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// parseISOTime reads RFC 3339 and the ISO 8601 forms Python writes (2026-01-01 12:00:00,
// 2026-01-01T12:00:00.5+00:00, …). A time without an offset is UTC, as pyfly stores naive
// times. The error is time.Parse's for RFC 3339, which quotes the text.
func parseISOTime(s string) (time.Time, error) {
	var first error
	for _, layout := range isoLayouts {
		t, err := time.Parse(layout, s)
		if err == nil {
			return t.UTC(), nil
		}
		if first == nil {
			first = err
		}
	}
	return time.Time{}, first
}

// parseStoredTime reads the form SQLite stores, [sqliteTimeLayout] (2006-01-02T15:04:05.000000000Z),
// without time.Parse; ok is false for any other text, which time.Parse then reads.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) != len(sqliteTimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		s[19] != '.' || s[29] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	nsec, ok7 := num(20, 29)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February and the like: time.Parse says what is wrong
		return time.Time{}, false
	}
	return t, true
}

// formatStoredTime writes t (UTC, years 1 to 9999, as every store keeps it) in
// [sqliteTimeLayout] without time.Format; other times go through time.Format.
func formatStoredTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 1 || year > 9999 {
		return t.Format(sqliteTimeLayout)
	}
	hour, minute, sec := t.Clock()
	var b [len(sqliteTimeLayout)]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, year)
	b[4] = '-'
	put(5, 2, int(month))
	b[7] = '-'
	put(8, 2, day)
	b[10] = 'T'
	put(11, 2, hour)
	b[13] = ':'
	put(14, 2, minute)
	b[16] = ':'
	put(17, 2, sec)
	b[19] = '.'
	put(20, 9, t.Nanosecond())
	b[29] = 'Z'
	return string(b[:])
}
