package check

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultOwner names this process for leases and claims: host name, process id and a random
// suffix ("host-4242-1a2b3c4d"), so that two runners of one process, or a restarted process,
// never share an owner by chance. It is valid UTF-8 without NUL, and the host name is shortened
// so that the whole fits in maxBytes bytes.
func DefaultOwner(maxBytes int) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
	host = strings.ReplaceAll(strings.ToValidUTF8(host, "_"), "\x00", "_")
	if room := maxBytes - len(suffix); len(host) > room {
		cut := max(room, 0)
		for cut > 0 && !utf8.RuneStart(host[cut]) {
			cut--
		}
		host = host[:cut]
	}
	return host + suffix
}
