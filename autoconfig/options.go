package autoconfig

import (
	"regexp"
	"time"

	"github.com/gofly/eventsourcing/config"
)

// keyed is an option and the configuration key it comes from.
type keyed[O any] struct {
	key string
	opt O
}

// checkOptions returns the options of entries once probe accepts them together. When it does
// not, the error names the key of the first option at fault: the first whose prefix of the list
// probe refuses, so that a check of two settings together (the claim timeout against the
// publish timeout) names the later one in the list.
func checkOptions[O any](entries []keyed[O], fallbackKey string, probe func([]O) error) ([]O, error) {
	opts := make([]O, len(entries))
	for i, e := range entries {
		opts[i] = e.opt
	}
	err := probe(opts)
	if err == nil {
		return opts, nil
	}
	for i, e := range entries {
		if perr := probe(opts[:i+1]); perr != nil {
			return nil, optionError(e.key, perr)
		}
	}
	return nil, optionError(fallbackKey, err)
}

// optionPrefix is the Go option an option's error starts with ("outbox.WithBatchSize: "): the
// error names the configuration key instead.
var optionPrefix = regexp.MustCompile(`^(outbox|projection)\.With[A-Za-z]+: `)

// optionError is an option's error as a configuration error about key, read once.
func optionError(key string, err error) error {
	msg := trimPrefixes(optionPrefix.ReplaceAllString(cause(err).Error(), ""))
	return &config.Error{Key: key, Err: &wrapped{msg: msg, err: err}}
}

// waitPair resolves a back-off's initial and max waits. Zero means the default, and so does an
// initial wait equal to the default (a loaded configuration is filled with the defaults): when
// only the max is set below the default initial wait, the first wait is the max.
func waitPair(initial, maxWait, defInitial, defMax time.Duration) (time.Duration, time.Duration) {
	implicit := initial == 0 || initial == defInitial
	if initial == 0 {
		initial = defInitial
	}
	if maxWait == 0 {
		maxWait = max(defMax, initial)
	}
	if implicit {
		initial = min(initial, maxWait)
	}
	return initial, maxWait
}
