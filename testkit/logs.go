package testkit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// LogRecorder is a slog.Handler that keeps every record, for tests that check what was logged.
// Safe for concurrent use.
type LogRecorder struct {
	mu      sync.Mutex
	records []LogRecord
	attrs   []slog.Attr
	parent  *LogRecorder
}

// LogRecord is one kept record: its level, message and attributes (with the logger's own) as text.
type LogRecord struct {
	Level   slog.Level
	Message string
	Attrs   map[string]string
}

// NewLogRecorder returns an empty recorder.
func NewLogRecorder() *LogRecorder { return &LogRecorder{} }

// Logger returns a logger that writes to r.
func (r *LogRecorder) Logger() *slog.Logger { return slog.New(r) }

// Enabled implements slog.Handler: every level.
func (r *LogRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (r *LogRecorder) Handle(_ context.Context, rec slog.Record) error {
	attrs := map[string]string{}
	for _, a := range r.attrs {
		attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	root := r.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	root.records = append(root.records, LogRecord{Level: rec.Level, Message: rec.Message, Attrs: attrs})
	return nil
}

// WithAttrs implements slog.Handler.
func (r *LogRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &LogRecorder{attrs: append(slices.Clip(r.attrs), attrs...), parent: r.root()}
}

// WithGroup implements slog.Handler; groups are flattened.
func (r *LogRecorder) WithGroup(string) slog.Handler { return r }

func (r *LogRecorder) root() *LogRecorder {
	if r.parent != nil {
		return r.parent
	}
	return r
}

// Records returns a copy of the records kept so far.
func (r *LogRecorder) Records() []LogRecord {
	root := r.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	return slices.Clone(root.records)
}

// Count returns how many records have the message.
func (r *LogRecorder) Count(message string) int {
	n := 0
	for _, rec := range r.Records() {
		if rec.Message == message {
			n++
		}
	}
	return n
}

// String lists the records, one a line, for failure messages.
func (r *LogRecorder) String() string {
	var b strings.Builder
	for _, rec := range r.Records() {
		fmt.Fprintf(&b, "%s %s %v\n", rec.Level, rec.Message, rec.Attrs)
	}
	return b.String()
}
