package redis

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestSlotMatchesRedis(t *testing.T) {
	// Values from CLUSTER KEYSLOT on Redis 7.0; the live cluster test checks more.
	for key, want := range map[string]int{
		"foo": 12182, "bar": 5061, "": 0, "123456789": 12739,
		"{user1000}.following": Slot("user1000"),
		"foo{{bar}}zap":        Slot("{bar"), "foo{bar}{zap}": Slot("bar"),
	} {
		if got := Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
	if Slot("foo{}{bar}") == Slot("bar") {
		t.Error("an empty hash tag must hash the whole key")
	}
}

func TestSplitCommand(t *testing.T) {
	for line, want := range map[string][]string{
		`SET k v`:                        {"SET", "k", "v"},
		`  SET   k  v  `:                 {"SET", "k", "v"},
		`SET greeting "hello world"`:     {"SET", "greeting", "hello world"},
		`SET k "a\"b\n\x41"`:             {"SET", "k", "a\"b\nA"},
		`SET k 'it\'s' ""`:               {"SET", "k", "it's", ""},
		`CONFIG SET save ""`:             {"CONFIG", "SET", "save", ""},
		`EVAL "return 1" 0`:              {"EVAL", "return 1", "0"},
		"HSET h f\tv":                    {"HSET", "h", "f", "v"},
		`SET k 'single "double" inside'`: {"SET", "k", `single "double" inside`},
	} {
		got, err := SplitCommand(line)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", line, got, err, want)
		}
	}
	for line, want := range map[string]string{
		`SET k "open`: "unbalanced double quote", `SET k 'open`: "unbalanced single quote",
		`SET k "a"b`: "followed by a space", "   ": "empty command",
	} {
		if _, err := SplitCommand(line); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SplitCommand(%q) = %v, want %q", line, err, want)
		}
	}
	// Arguments may be secrets: errors name the command and the column only.
	if _, err := SplitCommand(`CONFIG SET requirepass "s3cret`); err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "column 24 of the CONFIG command") {
		t.Errorf("SplitCommand error = %v: want the column and the command, never the arguments", err)
	}
}

// A config value quoted for redis.conf reads back as the same single argument.
func FuzzQuoteConfigRoundTrips(f *testing.F) {
	for _, s := range []string{"", "900 1", `a"b`, "x\\y", "tab\there", "\x00\x7f", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		args, err := SplitCommand("key " + quoteConfig(v))
		if err != nil || len(args) != 2 || args[1] != v {
			t.Errorf("quoteConfig(%q) = %s reads back as %q, %v", v, quoteConfig(v), args, err)
		}
	})
}

func FuzzSplitCommandNeverPanics(f *testing.F) {
	for _, s := range []string{`SET k "v"`, `'a\'b'`, `"\x4`, `"\`, "a\"b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, err := SplitCommand(line)
		if err == nil && len(args) == 0 {
			t.Errorf("SplitCommand(%q) = no arguments and no error", line)
		}
	})
}

func TestParseClusterNodes(t *testing.T) {
	b, err := os.ReadFile("testdata/cluster-nodes.txt")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := ParseClusterNodes(string(b), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 6 {
		t.Fatalf("parsed %d nodes, want 6", len(nodes))
	}
	failed := nodes[3]
	if failed.Addr != "127.0.0.1:35877" || !failed.Has("fail") || !failed.Has("master") || failed.Link != "disconnected" ||
		!slices.Equal(failed.Slots, [][2]int{{5461, 10920}, {10921, 10921}}) {
		t.Errorf("failed primary = %+v", failed)
	}
	if r := nodes[5]; r.Addr != "127.0.0.1:34351" || r.Primary != "e7237968610a3ea66c23f38068d82cf4c09ca5fe" || len(r.Slots) != 0 {
		t.Errorf("replica with a hostname and a migrating slot = %+v", r)
	}
	if _, err := ParseClusterNodes("abc 127.0.0.1:1@2 master - 0 0 1 connected 0-99999\n", ""); err == nil {
		t.Error("a slot above 16383 was accepted")
	}
	if _, err := ParseClusterNodes("too few fields\n", ""); err == nil {
		t.Error("a short line was accepted")
	}
}
