package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// strictNumbers is the decode hook of [FromKoanf]. A boolean written as text takes YAML 1.1's
// words, as pyfly's loader does ([parseBool]): the YAML parser reads only true and false. A
// duration must be written with its unit ("30s", "500ms"): YAML's bare 30 would otherwise be
// read as 30 nanoseconds. A whole number must be whole and fit: YAML's 1.5 or
// 18446744073709551615 would otherwise be cut or wrap. The environment gives strings, which are
// parsed the same way. The error says what the key expects; the decoder names the key.
func strictNumbers(_ reflect.Type, to reflect.Type, data any) (any, error) {
	switch {
	case to == reflect.TypeFor[time.Duration]():
		return duration(data)
	case to.Kind() >= reflect.Int && to.Kind() <= reflect.Int64:
		return wholeNumber(data, to.Bits())
	case to.Kind() == reflect.Bool:
		if s, ok := data.(string); ok {
			if b, ok := parseBool(s); ok {
				return b, nil
			}
		}
	}
	return data, nil
}

const durationHint = `a duration with a unit, such as "30s", "500ms" or "2m"`

// duration reads a duration from a string; a number other than 0 has no unit and is refused.
func duration(data any) (any, error) {
	switch x := data.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(x))
		if err != nil {
			return nil, fmt.Errorf("expects %s, got %s", durationHint, describeValue(data))
		}
		return d, nil
	case time.Duration:
		return x, nil
	case nil:
		return data, nil
	}
	if v := reflect.ValueOf(data); v.CanInt() && v.Int() == 0 || v.CanUint() && v.Uint() == 0 ||
		v.CanFloat() && v.Float() == 0 {
		return time.Duration(0), nil
	}
	return nil, fmt.Errorf("expects %s, got %s without a unit", durationHint, describeValue(data))
}

// wholeNumber reads an integer that fits in bits bits from a number or a string.
func wholeNumber(data any, bits int) (any, error) {
	lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
	bad := func() error {
		return &notWholeError{got: describeValue(data), lo: lo, hi: hi}
	}
	if data == nil {
		return data, nil
	}
	v := reflect.ValueOf(data)
	switch {
	case v.CanInt():
		if n := v.Int(); n >= lo && n <= hi {
			return n, nil
		}
	case v.CanUint():
		if n := v.Uint(); n <= uint64(hi) {
			return int64(n), nil
		}
	case v.CanFloat():
		// 2^(bits-1) is exact as a float; every float below it in magnitude converts exactly.
		f, limit := v.Float(), math.Ldexp(1, bits-1)
		if f == math.Trunc(f) && f >= -limit && f < limit {
			return int64(f), nil
		}
	case v.Kind() == reflect.String:
		s := strings.TrimSpace(v.String())
		if s == "" {
			return int64(0), nil
		}
		if n, err := strconv.ParseInt(s, 10, bits); err == nil {
			return n, nil
		}
	case v.Kind() == reflect.Bool:
		// refused below: true is not 1
	default:
		return data, nil // maps and lists: the decoder says what the key expects
	}
	return nil, bad()
}

// notWholeError is a value refused by [wholeNumber]; the message naming the key says the range
// valid for it ([wholeRange]) rather than the range of the Go type.
type notWholeError struct {
	got    string // the value, as describeValue shows it
	lo, hi int64  // the range of the Go type
}

func (e *notWholeError) Error() string {
	return fmt.Sprintf("expects a whole number from %d to %d, got %s", e.lo, e.hi, e.got)
}
