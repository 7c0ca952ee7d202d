// Package redact removes passwords and tokens from database and broker URLs, keyword DSNs and
// the error messages that quote them. It errs on the side of hiding too much: whatever stands
// between "://" and the last "@" after it, past the user name, is treated as a secret, and so is
// a user info without a password outside PostgreSQL URLs (a NATS or AMQP token).
package redact

import "strings"

// Mask replaces every password.
const Mask = "xxxxx"

// URL returns s with its secrets replaced by [Mask]: the password of every
// scheme://user:password@host (up to the last "@", so unencoded "@", "/", "?" and "#" in a
// password are hidden too), the whole user info of scheme://token@host unless the scheme is
// PostgreSQL's (postgres://user@host names a user and holds no secret), and the value of every
// password=, sslpassword= or similar key in a query string or a keyword DSN. s may be a URL, a
// DSN or any text that quotes them.
func URL(s string) string {
	return params(userinfo(s))
}

// userinfo hides the secret part of scheme://user:password@… and scheme://token@… wherever
// "://" occurs.
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
		b.WriteString(rest[:start])
		user, _, kept := userOf(schemeBefore(rest, i), rest[start:at])
		if kept {
			b.WriteString(user)
		} else {
			b.WriteString(Mask)
		}
		rest = rest[at:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// userOf splits the user info of a URL with the given scheme into what may be shown (a user name
// and, when a password follows, the ":") and the secret. kept is false when nothing may be shown:
// a token, or text that is not one user info (an "@" in the user name, another URL inside).
func userOf(scheme, info string) (shown, secret string, kept bool) {
	if user, pw, ok := strings.Cut(info, ":"); ok {
		if strings.IndexByte(user, '@') >= 0 {
			return "", info, false
		}
		return user + ":" + Mask, pw, true
	}
	if strings.Contains(info, "://") || !namesUserOnly(scheme) {
		return "", info, false
	}
	return info, "", true
}

// namesUserOnly reports whether a URL of this scheme without a password holds a user name rather
// than a token: PostgreSQL's (postgres, postgresql, postgresql+asyncpg, …).
func namesUserOnly(scheme string) bool {
	return strings.HasPrefix(strings.ToLower(scheme), "postgres")
}

// schemeBefore returns the URL scheme that ends at s[i] ("://" starts at i).
func schemeBefore(s string, i int) string {
	j := i
	for j > 0 && isSchemeByte(s[j-1]) {
		j--
	}
	return s[j:i]
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
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

// Password returns the secret of a URL's user info as written (up to the last "@"): the password,
// or a token outside PostgreSQL URLs; "" when it has none. Callers scrub it from messages that
// might quote it decoded or alone.
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
	_, secret, _ := userOf(schemeBefore(s, i), rest[:at])
	return secret
}
