// Package redact removes passwords from database and broker URLs, keyword DSNs and the error
// messages that quote them. It errs on the side of hiding too much: whatever stands between
// "://" and the last "@" after it, past the user name, is treated as a password.
package redact

import "strings"

// Mask replaces every password.
const Mask = "xxxxx"

// URL returns s with its passwords replaced by [Mask]: the password of every
// scheme://user:password@host (up to the last "@", so unencoded "@", "/", "?" and "#" in a
// password are hidden too) and the value of every password=, sslpassword= or similar key in a
// query string or a keyword DSN. s may be a URL, a DSN or any text that quotes them.
func URL(s string) string {
	return params(userinfo(s))
}

// userinfo hides the password part of scheme://user:password@… wherever "://" occurs.
func userinfo(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + 3
		at := strings.LastIndexByte(rest[start:], '@')
		if at < 0 {
			break
		}
		at += start
		info := rest[start:at]
		b.WriteString(rest[:start])
		if c := strings.IndexByte(info, ':'); c >= 0 {
			b.WriteString(info[:c+1])
			b.WriteString(Mask)
		} else if strings.Contains(info, "://") {
			// Another URL inside what would be the user name: hide it all.
			b.WriteString(Mask)
		} else {
			b.WriteString(info)
		}
		rest = rest[at:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// params hides the values of keys that end in "password" (password=, sslpassword=, …), in query
// strings (up to "&") and keyword DSNs (up to white space, or the closing quote of a quoted value).
func params(s string) string {
	lower := strings.ToLower(s)
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i := strings.Index(lower[from:], "password=")
		if i < 0 {
			break
		}
		i += from
		valStart := i + len("password=")
		from = valStart
		// The key must start after a separator: password=, sslpassword=, PGPASSWORD= …
		k := i
		for k > 0 && isKeyByte(lower[k-1]) {
			k--
		}
		if k > 0 && !isSeparator(lower[k-1]) {
			continue
		}
		end := valueEnd(s, valStart)
		b.WriteString(s[last:valStart])
		b.WriteString(Mask)
		last, from = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

func isSeparator(c byte) bool {
	switch c {
	case '?', '&', ';', ' ', '\t', '\n', '\r', '"', '\'', '(', ',', '{', '[':
		return true
	}
	return false
}

// valueEnd finds where a key's value ends: the closing quote of a quoted value (with backslash
// escapes), else the next "&" or white space.
func valueEnd(s string, i int) int {
	if i < len(s) && (s[i] == '\'' || s[i] == '"') {
		q := s[i]
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case q:
				return j + 1
			}
		}
		return len(s)
	}
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '&', ' ', '\t', '\n', '\r':
			return j
		}
	}
	return len(s)
}

// Error returns err with its message redacted by [URL] and, in addition, every occurrence of the
// given secrets replaced. The result still unwraps to err for errors.Is and errors.As. A nil err
// stays nil.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := URL(msg)
	for _, s := range secrets {
		if s != "" {
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

// Password returns the password of a URL's user info as written (up to the last "@"), or "" when
// it has none. Callers scrub it from messages that might quote it decoded or alone.
func Password(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return ""
	}
	rest := s[i+3:]
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return pw
}
