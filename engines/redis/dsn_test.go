package redis

import (
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
)

func TestParseDSN(t *testing.T) {
	cases := []struct {
		dsn  string
		want Target
	}{
		{"redis://127.0.0.1:6379", Target{Scheme: "redis", Addrs: []string{"127.0.0.1:6379"}}},
		{"redis://:s3cret@127.0.0.1:6379/2", Target{Scheme: "redis", Addrs: []string{"127.0.0.1:6379"}, Password: "s3cret", DB: 2}},
		{"redis+cluster://h:7000,h:7001", Target{Scheme: "redis+cluster", Addrs: []string{"h:7000", "h:7001"}}},
		{"redis+sentinel://app:pw@h:26379,h:26380/mymaster", Target{Scheme: "redis+sentinel", Addrs: []string{"h:26379", "h:26380"}, Username: "app", Password: "pw", Primary: "mymaster"}},
	}
	for _, c := range cases {
		got, err := ParseDSN(c.dsn)
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", c.dsn, err)
			continue
		}
		if got.Scheme != c.want.Scheme || strings.Join(got.Addrs, ",") != strings.Join(c.want.Addrs, ",") ||
			got.Username != c.want.Username || got.Password != c.want.Password || got.DB != c.want.DB || got.Primary != c.want.Primary {
			t.Errorf("ParseDSN(%q) = %+v, want %+v", c.dsn, got, c.want)
		}
		if again := got.String(); again != c.dsn {
			t.Errorf("String() = %q, want %q", again, c.dsn)
		}
	}
}

// A password with '@', ':' or '/' survives String and ParseDSN, and never shows in errors.
func TestPasswordsWithSpecialCharacters(t *testing.T) {
	in := Target{Scheme: SchemeCluster, Addrs: []string{"h:7000", "h:7001"}, Password: "p@ss:w/rd"}
	dsn := in.String()
	back, err := ParseDSN(dsn)
	if err != nil || back.Password != in.Password {
		t.Fatalf("ParseDSN(%q) = %+v, %v; want the password back", dsn, back, err)
	}
	if red := engines.RedactDSN(dsn); strings.Contains(red, "ss") || strings.Contains(red, "rd") {
		t.Errorf("RedactDSN(%q) = %q leaks part of the password", dsn, red)
	}
	if _, err := ParseDSN("redis://:p@ss@h:1/x"); err == nil || strings.Contains(err.Error(), "ss@") {
		t.Errorf("a bad DSN with an unescaped @ in the password: %v", err)
	}
}

func TestParseDSNErrorsNameTheProblemWithoutThePassword(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1:6379":               "want redis://",
		"memcached://:pw@h:1":          "unknown scheme",
		"redis://:pw@h":                "not host:port",
		"redis://:pw@h:1,h:2":          "use redis+cluster",
		"redis+sentinel://:pw@h:26379": "name the monitored primary",
		"redis://:pw@h:1/x":            "not a number",
		"redis+cluster://:pw@h:1/3":    "only database 0",
		"redis://:pw@":                 "no host:port",
	}
	for dsn, want := range cases {
		_, err := ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) accepted a bad DSN", dsn)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDSN(%q) = %v, want it to mention %q", dsn, err, want)
		}
		if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("ParseDSN(%q) error leaks the password: %v", dsn, err)
		}
	}
}
