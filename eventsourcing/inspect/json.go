package inspect

import (
	"strconv"
	"time"
)

// position is a global position in JSON: a string of decimal digits.
type position int64

// MarshalJSON writes the position as a JSON string.
func (p position) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(p), 10)), nil
}

// jsonTime is a time in JSON: RFC 3339 in UTC, or null when zero.
type jsonTime time.Time

// MarshalJSON writes the time, or null.
func (t jsonTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, tt.UTC().Format(time.RFC3339Nano)), nil
}

// jsonText is a text in JSON, null when empty.
type jsonText string

// MarshalJSON writes the text, or null.
func (s jsonText) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, string(s)), nil
}

// seconds is a duration in JSON: seconds, with a fraction.
func seconds(d time.Duration) float64 { return d.Seconds() }
