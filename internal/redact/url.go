package redact

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
)

// Parsed is one URL read by [Parse]: each part as written (percent-encoded), so that the text
// rebuilt by [Parsed.Redacted] is the text given, less its secrets.
type Parsed struct {
	// Scheme is the scheme as written (postgresql+asyncpg, sqlite, nats…).
	Scheme string
	// Opaque is what follows "scheme:" when no "//" does (sqlite::memory: gives ":memory:").
	Opaque string
	// HasAuthority reports "scheme://"; Userinfo, Host and Path are set only then.
	HasAuthority bool
	// HasUserinfo reports an "@" in the authority; User and Password stand before it.
	HasUserinfo bool
	// User is the user name, or a token where the scheme has no user names.
	User string
	// HasPassword reports a ":" in the user info; Password follows it.
	HasPassword bool
	// Password is the password.
	Password string
	// Host is the host list: host[:port], comma-separated, IPv6 addresses in brackets.
	Host string
	// Path is the path, with its leading "/"; empty when there is none.
	Path string
	// HasQuery reports a "?"; Query holds its parameters in order.
	HasQuery bool
	// Query holds the query's parameters in order.
	Query []Param
	// HasFragment reports a "#"; Fragment follows it.
	HasFragment bool
	// Fragment is what follows "#".
	Fragment string
}

// Param is one query parameter, as written.
type Param struct {
	// Key is the name before "=".
	Key string
	// Value is what follows the first "=".
	Value string
	// HasValue reports an "=".
	HasValue bool
}

// Secret reports whether the parameter's value is a secret (password=, token=, _pragma=key(…)…).
func (p Param) Secret() bool { return p.HasValue && secretParam(p.Key, p.Value) }

// ParseError is a text [Parse] cannot read as a URL with certainty: it names the scheme, when
// one was recognised, and the reason, and never holds the text itself.
type ParseError struct {
	// Scheme is the scheme the text starts with, or "" when it starts with none.
	Scheme string
	// Reason says what is wrong, without quoting the text.
	Reason string
}

// Error returns the reason.
func (e *ParseError) Error() string { return e.Reason }

// Shown is what may be shown of the text: its scheme followed by "…", or "…" alone.
func (e *ParseError) Shown() string { return e.Scheme + "…" }

// URL returns s, one text given as a URL, with its secrets replaced by [Mask] (see
// [Parsed.Redacted]). A text [Parse] cannot read is shown as its scheme, "…" and the reason in
// parentheses: "postgres… (hidden: no ":" follows the scheme (a URL reads scheme://…))".
func URL(s string) string {
	p, err := Parse(s)
	if err != nil {
		return hidden(err)
	}
	return p.Redacted()
}

// hidden is what [URL] shows of a text [Parse] refused with err: its scheme, "…" and the reason
// in parentheses. For any other error it is "… (hidden)".
func hidden(err error) string {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return "… (hidden)"
	}
	return pe.Shown() + " (hidden: " + pe.Reason + ")"
}

// encodeHint is how a password holding URL delimiters must be written.
const encodeHint = `percent-encode "@", "/", "?", "#" and "%" in a user name or password (as %40, %2F, %3F, %23, %25)`

// Parse reads s as scheme:opaque or scheme://[user[:password]@]hosts[/path][?query][#fragment],
// where hosts is a comma-separated list of host[:port] (libpq's form). It refuses, with a
// [*ParseError], any text whose parts two readers could split differently: more than one "@", an
// "@" after the host (in the path of a SQLite or file URL too, where "app:pw@host" may follow
// "///"), an
// invalid percent-encoding in the user info, a port that is not a number, a host that is
// neither a name nor an address (percent-encoded hosts included), white space or a control character anywhere but in the
// path, and an opaque part holding ":" or "@" (a missing "//"), sqlite::memory: excepted. The
// caller trims s.
func Parse(s string) (*Parsed, error) {
	scheme, rest, err := cutScheme(s)
	if err != nil {
		return nil, err
	}
	fail := func(reason string) (*Parsed, error) { return nil, &ParseError{Scheme: scheme, Reason: reason} }
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		return fail("it holds a control character")
	}
	p := &Parsed{Scheme: scheme}
	var tail string
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		p.HasAuthority = true
		end := strings.IndexAny(after, "/?#")
		if end < 0 {
			end = len(after)
		}
		authority := after[:end]
		tail = after[end:]
		if strings.Count(authority, "@") > 1 {
			return fail(`more than one "@" before the host: ` + encodeHint)
		}
		if strings.IndexByte(tail, '@') >= 0 {
			if pathOnly(scheme) {
				return fail(`an "@" after "//": it reads as user:password@host, which a file URL does not have; use a path without "@"`)
			}
			return fail(`an "@" after the host: ` + encodeHint)
		}
		if reason := p.setAuthority(authority); reason != "" {
			return fail(reason)
		}
		pathEnd := strings.IndexAny(tail, "?#")
		if pathEnd < 0 {
			pathEnd = len(tail)
		}
		p.Path, tail = tail[:pathEnd], tail[pathEnd:]
	} else {
		end := strings.IndexAny(rest, "?#")
		if end < 0 {
			end = len(rest)
		}
		p.Opaque, tail = rest[:end], rest[end:]
		if (p.Opaque != ":memory:" && strings.ContainsAny(p.Opaque, ":@")) || strings.IndexByte(tail, '@') >= 0 {
			return fail(`"//" is missing after "` + scheme + `:"`)
		}
	}
	if strings.ContainsAny(tail, " \t") {
		return fail("white space in the query: percent-encode it as %20")
	}
	if q, ok := strings.CutPrefix(tail, "?"); ok {
		p.HasQuery = true
		q, p.Fragment, p.HasFragment = strings.Cut(q, "#")
		p.Query = splitQuery(q)
	} else if f, ok := strings.CutPrefix(tail, "#"); ok {
		p.HasFragment, p.Fragment = true, f
	}
	return p, nil
}

// cutScheme splits s at the ":" after its scheme.
func cutScheme(s string) (scheme, rest string, err error) {
	n := 0
	if s != "" && isLetter(s[0]) {
		for n < len(s) && isSchemeByte(s[n]) {
			n++
		}
	}
	switch {
	case s == "":
		return "", "", &ParseError{Reason: "it is empty"}
	case n < len(s) && s[n] == ':':
		return s[:n], s[n+1:], nil
	case n > 0 && strings.HasPrefix(s[n:], "//"):
		// "postgres//host": the scheme is plain, the ":" is missing.
		return "", "", &ParseError{Scheme: s[:n], Reason: `no ":" follows the scheme (a URL reads scheme://…)`}
	}
	return "", "", &ParseError{Reason: "it does not start with a scheme (such as postgres://)"}
}

// setAuthority reads [user[:password]@]hosts, or says what is wrong with it.
func (p *Parsed) setAuthority(a string) string {
	if info, hosts, ok := strings.Cut(a, "@"); ok {
		p.HasUserinfo = true
		p.User, p.Password, p.HasPassword = strings.Cut(info, ":")
		if strings.ContainsAny(info, " \t") {
			return "white space in the user info: " + encodeHint
		}
		if _, ok := Unescape(info, false); !ok {
			return "an invalid percent-encoding in the user info: " + encodeHint
		}
		a = hosts
	}
	p.Host = a
	if pathOnly(p.Scheme) && !p.HasUserinfo {
		return "" // sqlite://:memory: and the like: a name, not a host
	}
	for h := range strings.SplitSeq(a, ",") {
		if reason := checkHost(h); reason != "" {
			return reason
		}
	}
	return ""
}

// checkHost checks one host[:port]: a name or IPv4 address of letters, digits, "-", ".", "_"
// and "~", or an IPv6 address in brackets; a port of digits.
func checkHost(h string) string {
	name, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return `an IPv6 address without its "]"`
		}
		addr, zone, _ := strings.Cut(h[1:end], "%25")
		if strings.Trim(addr, "0123456789abcdefABCDEF:.") != "" || strings.IndexFunc(zone, func(r rune) bool { return r > 0x7f || !isHostByte(byte(r)) }) >= 0 {
			return "the IPv6 address holds a character no address has"
		}
		rest := h[end+1:]
		if rest != "" && rest[0] != ':' {
			return `the IPv6 address is followed by something other than ":port"`
		}
		port = strings.TrimPrefix(rest, ":")
	} else {
		var ok bool
		if name, port, ok = strings.Cut(h, ":"); ok && strings.IndexByte(port, ':') >= 0 {
			return `more than one ":" in a host: an IPv6 address goes in brackets, a password before the "@"`
		}
		for i := 0; i < len(name); i++ {
			if !isHostByte(name[i]) {
				return "the host holds a character no host name has: " + encodeHint
			}
		}
	}
	if strings.Trim(port, "0123456789") != "" {
		return "the port is not a number"
	}
	return ""
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// pathOnly reports the schemes whose URLs name a file and hold no user info (sqlite,
// sqlite+aiosqlite…, file): what follows "//" without an "@" is a name, not a host.
func pathOnly(scheme string) bool {
	s := strings.ToLower(scheme)
	return s == "file" || s == "sqlite" || strings.HasPrefix(s, "sqlite+")
}

// splitQuery splits a query into its parameters. After a secret parameter, what does not read
// as a parameter of its own (no "=", or a name that is not a plain word) is taken for the rest of
// the secret, whose "&" was not percent-encoded: it is masked and counted among the secrets with
// the value before it.
func splitQuery(q string) []Param {
	var out []Param
	for pair := range strings.SplitSeq(q, "&") {
		if n := len(out); n > 0 && out[n-1].Secret() && continuesSecret(pair) {
			out[n-1].Value += "&" + pair
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		out = append(out, Param{Key: k, Value: v, HasValue: ok})
	}
	return out
}

// continuesSecret reports whether pair, what follows an "&" after a secret parameter's value,
// is the rest of that secret rather than a parameter of its own: it has no "=", or its name is
// not a plain word as drivers spell parameter names (letters, digits, "_", "-" and ".").
func continuesSecret(pair string) bool {
	k, _, ok := strings.Cut(pair, "=")
	return !ok || k == "" || strings.ContainsFunc(k, func(r rune) bool { return r >= utf8.RuneSelf || !isKeyByte(byte(r)) })
}

// Redacted rebuilds the URL as written, with [Mask] in place of the password, of a user info
// that is a token (any scheme but PostgreSQL's, whose user info without a password is a user
// name), of every secret parameter's value ([Param.Secret]) and of the fragment.
func (p *Parsed) Redacted() string {
	var b strings.Builder
	b.WriteString(p.Scheme)
	b.WriteByte(':')
	if p.HasAuthority {
		b.WriteString("//")
		if p.HasUserinfo {
			switch {
			case p.HasPassword:
				b.WriteString(p.User + ":" + Mask)
			case namesUserOnly(p.Scheme):
				b.WriteString(p.User)
			default:
				b.WriteString(Mask)
			}
			b.WriteByte('@')
		}
		b.WriteString(p.Host)
		b.WriteString(p.Path)
	} else {
		b.WriteString(p.Opaque)
	}
	if p.HasQuery {
		b.WriteByte('?')
		for i, q := range p.Query {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(q.Key)
			if q.HasValue {
				b.WriteByte('=')
				if q.Secret() {
					b.WriteString(Mask)
				} else {
					b.WriteString(q.Value)
				}
			}
		}
	}
	if p.HasFragment {
		b.WriteString("#" + Mask)
	}
	return b.String()
}

// Secrets returns every secret of the URL as written and as decoded: what [Parsed.Redacted]
// masks. Callers hand them to [Error] to clean a driver's message that might quote one alone.
func (p *Parsed) Secrets() []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		for _, plus := range []bool{false, true} {
			if d, ok := Unescape(s, plus); ok && d != s && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	if p.HasPassword {
		add(p.Password)
	} else if p.HasUserinfo && !namesUserOnly(p.Scheme) {
		add(p.User)
	}
	for _, q := range p.Query {
		if q.Secret() {
			add(q.Value)
			if strings.Contains(q.Value, "&") { // each part alone too, as a reader that split it shows them
				for part := range strings.SplitSeq(q.Value, "&") {
					if len(part) >= minScrubLen {
						add(part)
					}
				}
			}
		}
	}
	add(p.Fragment)
	return out
}

// Unescape decodes the %XX sequences of s (and "+" as a space when plusSpace), as libpq does,
// reporting false for a "%" not followed by two hexadecimal digits and for %00.
func Unescape(s string, plusSpace bool) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && (!plusSpace || strings.IndexByte(s, '+') < 0) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if d == 0 {
				return "", false
			}
			b.WriteByte(d)
			i += 2
		case c == '+' && plusSpace:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
