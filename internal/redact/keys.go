package redact

import "strings"

// secretWords mark the names of parameters whose values are secrets: password=, sslpassword=,
// PGPASSWORD=, passwd=, pwd=, passphrase=, secret=, client_secret=, token=, access_token=, key=,
// api_key=, sslkey= (a path, hidden all the same), credentials=. A name that holds one anywhere
// counts ("password:=" with a stray character, "passwordless=" too: hiding a value too many is
// the safe mistake).
var secretWords = [...]string{"pass", "pwd", "secret", "token", "key", "credential"}

// secretKey reports whether a parameter named name (percent-decoded) holds a secret.
func secretKey(name string) bool {
	name = strings.ToLower(name)
	for _, s := range secretWords {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// secretParam reports whether the query parameter key=value holds a secret: a secret key, or a
// SQLite pragma that sets an encryption key (_pragma=key(…), rekey, hexkey, textkey). A key
// that does not decode is treated as secret: it cannot be read, so it cannot be cleared.
func secretParam(key, value string) bool {
	k, ok := Unescape(key, false)
	if !ok {
		return true
	}
	if secretKey(k) {
		return true
	}
	if strings.EqualFold(k, "_pragma") {
		v, ok := Unescape(value, true)
		if !ok {
			return true
		}
		name, _, _ := strings.Cut(strings.ToLower(v), "(")
		name, _, _ = strings.Cut(name, "=")
		return strings.Contains(name, "key")
	}
	return false
}
