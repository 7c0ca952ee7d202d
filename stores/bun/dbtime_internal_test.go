package bunstore

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestParseStoredTime: the fast writer and reader of SQLite's time text agree with time.Format
// and time.Parse on every time the stores keep, and the reader leaves every other text to
// time.Parse.
func TestParseStoredTime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for range 100_000 {
		want := time.Unix(0, r.Int64()).UTC() // 1970 to 2262, to the nanosecond
		if r.IntN(2) == 0 {
			want = time.Unix(0, -r.Int64()).UTC() // 1677 to 1970
		}
		if r.IntN(4) == 0 {
			want = time.Date(1+r.IntN(9999), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), time.UTC)
		}
		text := want.Format(sqliteTimeLayout)
		if f := formatStoredTime(want); f != text {
			t.Fatalf("formatStoredTime(%v) = %q; time.Format gives %q", want, f, text)
		}
		got, ok := parseStoredTime(text)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("parseStoredTime(%q) = %v, %v; want %v", text, got, ok, want)
		}
	}
	for _, text := range []string{
		"", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000000000+01:00",
		"2024-13-01T10:00:00.000000000Z", "2024-02-30T10:00:00.000000000Z", "2024-05-00T10:00:00.000000000Z",
		"2024-05-01T24:00:00.000000000Z", "2024-05-01T10:60:00.000000000Z", "2024-05-01T10:00:60.000000000Z",
		"2024-05-01T10:00:00.00000000xZ", "-024-05-01T10:00:00.000000000Z", "2024-05-01T10:00:00.000000000z",
	} {
		if got, ok := parseStoredTime(text); ok {
			t.Errorf("parseStoredTime(%q) = %v; want it left to time.Parse", text, got)
		}
		var d dbTime
		if err := d.Scan(text); err != nil {
			t.Fatal(err)
		}
		want, werr := time.Parse(time.RFC3339Nano, text)
		got, err := d.UTC()
		if (err == nil) != (werr == nil) || (err == nil && !got.Equal(want)) {
			t.Errorf("dbTime(%q).UTC() = %v, %v; time.Parse: %v, %v", text, got, err, want, werr)
		}
	}
}

// TestParsePyflyTimes: the ISO forms pyfly's rows hold on SQLite (sqlite3's isoformat(" ") of
// naive and aware times, SQLAlchemy's DATETIME text, pyfly's recorded_at) read as UTC times, a
// time without an offset as UTC; other text stays an error.
func TestParsePyflyTimes(t *testing.T) {
	for text, want := range map[string]time.Time{
		"2026-03-01 09:15:00":              time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC),
		"2026-03-01 09:15:00.000001":       time.Date(2026, 3, 1, 9, 15, 0, 1000, time.UTC),
		"2026-03-01 09:15:00+00:00":        time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC),
		"2026-03-01 09:15:00.250000+01:00": time.Date(2026, 3, 1, 8, 15, 0, 250000000, time.UTC),
		"2026-03-01 09:15:00.123000":       time.Date(2026, 3, 1, 9, 15, 0, 123000000, time.UTC),
		"2026-03-01T09:15:00":              time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC),
		"2026-03-01T09:15:00.5+00:00":      time.Date(2026, 3, 1, 9, 15, 0, 500000000, time.UTC),
	} {
		var d dbTime
		if err := d.Scan(text); err != nil {
			t.Fatal(err)
		}
		got, err := d.UTC()
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("dbTime(%q).UTC() = %v, %v; want %v", text, got, err, want)
		}
	}
	for _, text := range []string{"2026-03-01", "01/03/2026 09:15", "2026-03-01 09:15:00 +00:00"} {
		var d dbTime
		if err := d.Scan(text); err != nil {
			t.Fatal(err)
		}
		if got, err := d.UTC(); err == nil {
			t.Errorf("dbTime(%q).UTC() = %v; want an error", text, got)
		}
	}
}

// TestDBTimeOtherType: a time column holding a value of another type (a row written by another
// program) scans, and UTC reports it, so the caller can name the row.
func TestDBTimeOtherType(t *testing.T) {
	var d dbTime
	if err := d.Scan(int64(1700000000)); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if _, err := d.UTC(); err == nil || !strings.Contains(err.Error(), "int64") {
		t.Fatalf("UTC() error = %v, want one naming int64", err)
	}
}
