package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// printer writes what a command prints: tables, or JSON with --json.
type printer struct {
	w    io.Writer
	json bool
}

// jsonLine writes v as one line of JSON.
func (p *printer) jsonLine(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = p.w.Write(append(b, '\n'))
	return err
}

// rawLine writes one line of JSON already encoded.
func (p *printer) rawLine(b []byte) error {
	_, err := p.w.Write(append(b, '\n'))
	return err
}

// table writes a header and rows, aligned.
func (p *printer) table(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = cell(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// linef writes one line of text.
func (p *printer) linef(format string, args ...any) error {
	_, err := fmt.Fprintf(p.w, format+"\n", args...)
	return err
}

// maxCell is the longest text a table cell shows.
const maxCell = 80

// cell shows a stored text in a table: [clean], cut after maxCell runes.
func cell(s string) string {
	s = clean(s)
	if utf8.RuneCountInString(s) > maxCell {
		r := []rune(s)
		s = string(r[:maxCell-1]) + "…"
	}
	return s
}

// clean shows a text on a line of its own: quoted when it holds anything but printable UTF-8 (a
// control character, a tab, invalid bytes), so stored data cannot move the cursor or forge
// lines.
func clean(s string) string {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.QuoteToGraphic(s)
	}
	return s
}

// when shows a time in a table, "-" when unknown.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// age shows a duration in a table, to the second (to the millisecond below one).
func age(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// text shows a text in a table, "-" when empty.
func text(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
