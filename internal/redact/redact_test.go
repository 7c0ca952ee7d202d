package redact

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:secret@db/app":                         "postgres://app:xxxxx@db/app",
		"postgres://app:ab?cd@host/db":                         "postgres://app:xxxxx@host/db",
		"postgres://app:p@ss/w0rd#1@host/db":                   "postgres://app:xxxxx@host/db",
		"postgresql+asyncpg://u:a/b@h:5432/d?sslmode=disable":  "postgresql+asyncpg://u:xxxxx@h:5432/d?sslmode=disable",
		"postgres://db/app?user=u&password=pw&sslmode=require": "postgres://db/app?user=u&password=xxxxx&sslmode=require",
		"postgres://u@db/app?sslpassword=keypw":                "postgres://u@db/app?sslpassword=xxxxx",
		"host=db user=u password=secret dbname=app":            "host=db user=u password=xxxxx dbname=app",
		"host=db password='se cret' dbname=app":                "host=db password=xxxxx dbname=app",
		"PASSWORD=x":                                           "PASSWORD=xxxxx",
		"passwordless=1":                                       "passwordless=xxxxx",
		"sslmode=disable&application_name=x":                   "sslmode=disable&application_name=x",
		"mypassword=1":                                         "mypassword=xxxxx",
		"dial postgres://a:b@h1/x then amqp://c:d@h2/":         "dial postgres://a:xxxxx@h2/",
		"sqlite:///./app.db":                                   "sqlite:///./app.db",
		"postgres://only-user@host/db":                         "postgres://only-user@host/db",
		"postgresql://only-user@host/db":                       "postgresql://only-user@host/db",
		"POSTGRES://only-user@host/db":                         "POSTGRES://only-user@host/db",
		"nats://s3cr3tT0k3n@nats.internal:4222":                "nats://xxxxx@nats.internal:4222",
		"publish: nats://tok@h1:4222, nats://tok2@h2: timeout": "publish: nats://xxxxx@h2: timeout",
		"amqp://s3cr3t@rabbit/vhost":                           "amqp://xxxxx@rabbit/vhost",
		"amqps://guest:s3cr3t@rabbit:5671/":                    "amqps://guest:xxxxx@rabbit:5671/",
		"redis://tok@cache:6379/0":                             "redis://xxxxx@cache:6379/0",
		"https://tok@example.com/x":                            "https://xxxxx@example.com/x",
		"dial tcp nats://a@b@c@host":                           "dial tcp nats://xxxxx@host",
		"no url here":                                          "no url here",
		"sqlite:///./app.db?_pragma=key('s3cr3t')&x=1":         "sqlite:///./app.db?_pragma=xxxxx&x=1",
		"sqlite:///./app.db?_pragma=busy_timeout(100)":         "sqlite:///./app.db?_pragma=busy_timeout(100)",
		"nats://h:4222?token=tok&user=u":                       "nats://h:4222?token=xxxxx&user=u",
		"amqp://h/?client_secret=s&api_key=k":                  "amqp://h/?client_secret=xxxxx&api_key=xxxxx",
		`Key (id)=(x) already exists`:                          `Key (id)=(x) already exists`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// printable returns a random password of printable ASCII, any character allowed.
func printable(r *rand.Rand) string {
	n := 1 + r.IntN(24)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x21 + r.IntN(0x7e-0x21+1))
	}
	return string(b)
}

// TestPasswordsNeverSurvive: random passwords from the whole printable range, written raw into
// the user info or encoded into a query, never appear in what Text returns, nor in Error's message.
func TestPasswordsNeverSurvive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		pw := printable(r)
		if len(pw) < 3 {
			continue // one or two characters may occur in the rest of the text by chance
		}
		enc := url.QueryEscape(pw)
		forms := []string{
			"postgres://app:{RAW}@db.internal:5432/app?sslmode=disable",
			"postgresql+asyncpg://app:{RAW}@db/app",
			"postgres://app:{ENC}@db/app",
			"postgres://db/app?password={ENC}&sslmode=disable",
			"postgres://db/app?sslpassword={ENC}",
			"connect failed: postgres://app:{RAW}@db/app: refused",
			"nats: publish to nats://{ENC}@nats-1:4222,nats://{ENC}@nats-2:4222 failed",
			"amqps://{ENC}@rabbit",
			"dial amqp://guest:{RAW}@rabbit:5672/: connection refused",
		}
		if !strings.Contains(pw, ":") { // by URL syntax, what stands before a ':' is a user name
			forms = append(forms, "nats://{RAW}@nats.internal:4222", "amqp://{RAW}@rabbit:5672/vhost")
		}
		if !strings.ContainsAny(pw, " &'\"") {
			forms = append(forms, "host=db password={RAW} dbname=app")
		}
		for _, tmpl := range forms {
			bare := strings.NewReplacer("{RAW}", "", "{ENC}", "").Replace(tmpl)
			if strings.Contains(bare, pw) || strings.Contains(bare, enc) {
				continue // the password occurs in the text around it by chance
			}
			f := strings.NewReplacer("{RAW}", pw, "{ENC}", enc).Replace(tmpl)
			if got := Text(f); strings.Contains(got, pw) || strings.Contains(got, enc) {
				t.Fatalf("password %q survives in %q (from %q)", pw, got, f)
			}
			err := Error(fmt.Errorf("open %s: %w", f, errors.New("boom")))
			if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), enc) {
				t.Fatalf("password %q survives in error %q", pw, err)
			}
		}
	}
}

func TestErrorKeepsTheChain(t *testing.T) {
	cause := errors.New("cause")
	err := Error(fmt.Errorf("dial postgres://u:pw@h/d: %w", cause))
	if !errors.Is(err, cause) || strings.Contains(err.Error(), "pw@") {
		t.Fatalf("%v", err)
	}
	if Error(nil) != nil {
		t.Fatal("nil stays nil")
	}
	plain := errors.New("nothing secret")
	if Error(plain) != plain {
		t.Fatal("an error without secrets is returned as is")
	}
}
