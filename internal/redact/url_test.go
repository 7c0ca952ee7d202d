package redact

import (
	"slices"
	"strings"
	"testing"
)

// URLs the parser reads are rebuilt as written, less their secrets.
func TestURLReadable(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:secret@db/app":                              "postgres://app:xxxxx@db/app",
		"postgresql+asyncpg://u:a%2Fb@h:5432/d?sslmode=disable":     "postgresql+asyncpg://u:xxxxx@h:5432/d?sslmode=disable",
		"postgres://app:p:w@127.0.0.1/app":                          "postgres://app:xxxxx@127.0.0.1/app",
		"postgres://app:@[::1]:5432/app":                            "postgres://app:xxxxx@[::1]:5432/app",
		"postgres://only-user@host/db":                              "postgres://only-user@host/db",
		"POSTGRES://only-user@host/db":                              "POSTGRES://only-user@host/db",
		"postgres://h1:5432,h2:5433/db?target_session_attrs=any":    "postgres://h1:5432,h2:5433/db?target_session_attrs=any",
		"postgres://db/app?user=u&password=pw&sslmode=require":      "postgres://db/app?user=u&password=xxxxx&sslmode=require",
		"postgres://u@db/app?sslpassword=k&token=t&secret=s&key=k2": "postgres://u@db/app?sslpassword=xxxxx&token=xxxxx&secret=xxxxx&key=xxxxx",
		"postgres://u@db/app?pass%77ord=pw":                         "postgres://u@db/app?pass%77ord=xxxxx",
		"postgres://u@db/app?password=a?b":                          "postgres://u@db/app?password=xxxxx",
		"sqlite:///./app.db":                                        "sqlite:///./app.db",
		"sqlite::memory:":                                           "sqlite::memory:",
		"sqlite://:memory:":                                         "sqlite://:memory:",
		"sqlite:///./app.db?_pragma=key('s3cr3t')&_pragma=x(1)":     "sqlite:///./app.db?_pragma=xxxxx&_pragma=x(1)",
		"sqlite:///./app.db?_pragma=hexkey(%2700%27)":               "sqlite:///./app.db?_pragma=xxxxx",
		"sqlite:///./app.db#frag":                                   "sqlite:///./app.db#xxxxx",
		"nats://s3cr3tT0k3n@nats.internal:4222":                     "nats://xxxxx@nats.internal:4222",
		"amqps://guest:s3cr3t@rabbit:5671/":                         "amqps://guest:xxxxx@rabbit:5671/",
		"mysql://root:hunter2@db/app":                               "mysql://root:xxxxx@db/app",
		"sqlite:app.db":                                             "sqlite:app.db",
		"postgres://app:pw@127.0.0.1/app?application_name=a%40b&x=": "postgres://app:xxxxx@127.0.0.1/app?application_name=a%40b&x=",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A text the parser cannot read with certainty shows its scheme and why, nothing else.
func TestURLUnreadable(t *testing.T) {
	for in, want := range map[string]string{
		"postgres//app:S3cretLeak@localhost/app":          `postgres… (hidden: no ":" follows the scheme (a URL reads scheme://…))`,
		"postgres:/app:S3cretLeak@localhost/app":          `postgres… (hidden: "//" is missing after "postgres:")`,
		"postgresql+asyncpg:app:S3cretLeak@db/app":        `postgresql+asyncpg… (hidden: "//" is missing after "postgresql+asyncpg:")`,
		"postgres://app:S3cret@Leak@localhost/app":        `postgres… (hidden: more than one "@" before the host: ` + encodeHint + `)`,
		"postgres://app:S3c/retLeak@localhost/app":        `postgres… (hidden: an "@" after the host: ` + encodeHint + `)`,
		"postgres://app:S3c#retLeak@localhost/app":        `postgres… (hidden: an "@" after the host: ` + encodeHint + `)`,
		"postgres:///app:S3cretLeak@localhost/app":        `postgres… (hidden: an "@" after the host: ` + encodeHint + `)`,
		"postgres://app:S3c%retLeak@localhost/app":        `postgres… (hidden: an invalid percent-encoding in the user info: ` + encodeHint + `)`,
		"postgres://app:S3cretLeaklocalhost:5432/app":     `postgres… (hidden: more than one ":" in a host: an IPv6 address goes in brackets, a password before the "@")`,
		"postgres://app:S3cretLeak/app":                   `postgres… (hidden: the port is not a number)`,
		"postgres://u@h/db?application_name=a@b":          `postgres… (hidden: an "@" after the host: ` + encodeHint + `)`,
		"postgres://u@h/db?password=S3cret Leak":          `postgres… (hidden: white space in the query: percent-encode it as %20)`,
		"postgres://u:S3cret\nLeak@h/db":                  `postgres… (hidden: it holds a control character)`,
		"postgres://u:S3cretLeak@h!st/db":                 `postgres… (hidden: the host holds a character no host name has: ` + encodeHint + `)`,
		"postgres://u:S3cretLeak@[::1%25S3cret!]:5432/db": `postgres… (hidden: the IPv6 address holds a character no address has)`,
		"sqlite:///app:S3cretLeak@127.0.0.1/app.db":       `sqlite… (hidden: an "@" after "//": it reads as user:password@host, which a file URL does not have; use a path without "@")`,
		"S3cretLeak":                  `… (hidden: it does not start with a scheme (such as postgres://))`,
		"host=db password=S3cretLeak": `… (hidden: it does not start with a scheme (such as postgres://))`,
		"":                            `… (hidden: it is empty)`,
	} {
		got := URL(in)
		if got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "S3cret") || strings.Contains(got, "Leak") {
			t.Errorf("URL(%q) = %q shows the secret", in, got)
		}
	}
}

func TestParsedParts(t *testing.T) {
	p, err := Parse("postgresql+asyncpg://app:p%40ss@127.0.0.1:5432,[::1]/db?sslmode=disable&password=a+b%21")
	if err != nil {
		t.Fatal(err)
	}
	if p.Scheme != "postgresql+asyncpg" || p.User != "app" || p.Password != "p%40ss" || p.Host != "127.0.0.1:5432,[::1]" ||
		p.Path != "/db" || len(p.Query) != 2 || !p.Query[1].Secret() || p.Query[0].Secret() {
		t.Fatalf("%+v", p)
	}
	want := []string{"p%40ss", "p@ss", "a+b%21", "a+b!", "a b!"}
	if got := p.Secrets(); !slices.Equal(got, want) {
		t.Fatalf("Secrets() = %q, want %q", got, want)
	}
	if p, _ := Parse("nats://T0K3N@nats:4222"); !slices.Equal(p.Secrets(), []string{"T0K3N"}) {
		t.Fatalf("a token is a secret: %q", p.Secrets())
	}
	if p, _ := Parse("postgres://app@db/x"); len(p.Secrets()) != 0 {
		t.Fatalf("a PostgreSQL user name is no secret: %q", p.Secrets())
	}
}

// A secret parameter whose "&" was not percent-encoded: what follows it, up to a parameter that
// reads as one, is still the secret. Before, the part after the "&" was shown, as a parameter of
// its own.
func TestSecretParameterWithAnUnencodedAmpersand(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://127.0.0.1:1/db?password=ab&S3CRETpw&connect_timeout=1": "postgres://127.0.0.1:1/db?password=xxxxx&connect_timeout=1",
		"postgres://app@h/db?sslpassword=Qy&Q%$fx/OQZ":                     "postgres://app@h/db?sslpassword=xxxxx",
		"postgres://app@h/db?password=a&b&c!d=e&sslmode=disable":           "postgres://app@h/db?password=xxxxx&sslmode=disable",
		"sqlite:///app.db?_pragma=key('x&yz&w')&_pragma=busy_timeout(5)":   "sqlite:///app.db?_pragma=xxxxx&_pragma=busy_timeout(5)",
		"postgres://app@h/db?sslmode=disable&application_name":             "postgres://app@h/db?sslmode=disable&application_name",
	} {
		assert := func(ok bool, format string, args ...any) {
			t.Helper()
			if !ok {
				t.Errorf(format, args...)
			}
		}
		assert(URL(in) == want, "URL(%q) = %q, want %q", in, URL(in), want)
		p, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		// Each part of 4 bytes or more (what Error scrubs) is a secret of its own, as a reader that split the
		// value shows it alone; "yz" is too short to be one.
		for _, secret := range []string{"S3CRETpw", "Q%$fx/OQZ", "c!d=e"} {
			if strings.Contains(in, secret) {
				assert(slices.Contains(p.Secrets(), secret), "Secrets of %q = %q, lacking %q", in, p.Secrets(), secret)
			}
		}
		// The free-text masker, which errors and logs use, hides the same.
		for _, secret := range []string{"S3CRETpw", "Q%$fx/OQZ", "c!d=e", "yz"} {
			assert(!strings.Contains(Text("open "+in+": refused"), secret), "Text of %q = %q shows %q", in, Text("open "+in+": refused"), secret)
		}
	}
}
