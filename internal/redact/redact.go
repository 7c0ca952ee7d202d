// Package redact keeps secrets out of messages: the passwords and tokens of database and broker
// URLs, the secret values of their query parameters and keyword DSNs.
//
// Two tools, for two kinds of text. [Parse] and [URL] read one text given as a URL with a strict
// grammar and rebuild it with its secrets masked; a text they cannot read with certainty is
// shown as its scheme and the reason alone, never whole, because a malformed URL has no reliable
// place for its password. [Text] and [Error] clean free text, such as a driver's error message,
// that may quote URLs or DSNs anywhere: there the rule errs on the side of hiding too much.
package redact

import "strings"

// Mask replaces every secret.
const Mask = "xxxxx"

// minScrubLen is the length from which [Error] replaces a known secret wherever it occurs: a
// shorter one would match ordinary words of the message, and drivers do not quote passwords.
const minScrubLen = 4

// Error returns err with its message cleaned by [Text] and, in addition, every occurrence of the
// given secrets (those of at least four bytes) replaced by [Mask]. The result still unwraps to
// err for errors.Is and errors.As. A nil err stays nil.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := Text(msg)
	for _, s := range secrets {
		if len(s) >= minScrubLen {
			clean = strings.ReplaceAll(clean, s, Mask)
		}
	}
	if clean == msg {
		return err
	}
	return &redacted{msg: clean, err: err}
}

// redacted is an error whose message hides secrets but whose chain is the original's.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
