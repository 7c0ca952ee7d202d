package redact

import "strings"

// Text returns s, free text such as an error message, with every secret it can recognise
// replaced by [Mask]: the password of every scheme://user:password@host (up to the last "@", so
// unencoded "@", "/", "?" and "#" in a password are hidden too), the whole user info of
// scheme://token@host unless the scheme is PostgreSQL's (postgres://user@host names a user and
// holds no secret), and the value of every secret parameter (password=, sslpassword=, token=,
// secret=, key=, _pragma=key(…) and the like) in a query string or a keyword DSN. For one text
// given as a URL, use [URL], which never shows what it cannot read.
func Text(s string) string {
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
		if user, kept := shownUser(schemeBefore(rest, i), rest[start:at]); kept {
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

// shownUser returns what may be shown of the user info of a URL with the given scheme: a user
// name and, when a password follows, ":" and the mask. kept is false when nothing may be shown:
// a token, or text that is not one user info (an "@" in the user name, another URL inside).
func shownUser(scheme, info string) (shown string, kept bool) {
	if user, _, ok := strings.Cut(info, ":"); ok {
		if strings.IndexByte(user, '@') >= 0 {
			return "", false
		}
		return user + ":" + Mask, true
	}
	if strings.Contains(info, "://") || !namesUserOnly(scheme) {
		return "", false
	}
	return info, true
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

// params hides the values of secret keys ([secretParam]) in query strings (up to "&") and
// keyword DSNs (up to white space, or the closing quote of a quoted value).
func params(s string) string {
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i := strings.IndexByte(s[from:], '=')
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		// The key must start after a separator: password=, sslpassword=, PGPASSWORD= …
		k := i
		for k > 0 && isKeyByte(s[k-1]) {
			k--
		}
		if k == i || k > 0 && !isSeparator(s[k-1]) {
			continue
		}
		end := valueEnd(s, i+1)
		if !secretParam(s[k:i], s[i+1:end]) {
			continue
		}
		for end < len(s) && s[end] == '&' { // an "&" the secret holds, not percent-encoded
			next := valueEnd(s, end+1)
			if !continuesSecret(s[end+1 : next]) {
				break
			}
			end = next
		}
		b.WriteString(s[last : i+1])
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
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

func isSeparator(c byte) bool {
	switch c {
	case '?', '&', ';', ' ', '\t', '\n', '\r', '"', '\'', '(', ',', '{', '[', '`':
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
