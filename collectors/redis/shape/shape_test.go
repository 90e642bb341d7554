package shape_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dbharness/dbharness/collectors/redis/shape"
)

func TestKey(t *testing.T) {
	cases := map[string]string{
		"user:1234:session":       "user:{id}:session",
		"user:98:session":         "user:{id}:session",
		"key:000000012345":        "key:{id}",     // redis-benchmark
		"memtier-4471":            "memtier-{id}", // memtier_benchmark
		"user6284781860667377211": "user{id}",     // YCSB
		"session:550e8400-e29b-41d4-a716-446655440000": "session:{id}", // UUID across its dashes
		"obj:5f3a9c0e": "obj:{id}", // hex, 8+ with a digit
		"blob/da39a3ee5e6b4b0d3255bfef95601890afd80709": "blob/{id}",       // SHA-1
		"tok:aZ3kLm9Qp0xYb7Tr":                          "tok:{id}",        // base62 token
		"cart:{1234}:items":                             "cart:{id}:items", // hash tag of an id
		"{user1000}.following":                          "{user{id}}.following",
		"cache:users":                                   "cache:users", // words stay
		"api:v2:sha1":                                   "api:v2:sha1", // short digit runs stay
		"deadbeef":                                      "deadbeef",    // hex without digits stays
		"item:12:tag:7":                                 "item:{id}:tag:{id}",
		"ip:10.0.0.1":                                   "ip:{id}.{id}.{id}.{id}",
		"day:2024-01-15":                                "day:{id}-{id}-{id}",
		"café:42":                                       "café:{id}",
		"bin:\x00\x01\xff":                              "bin:\x00\x01{id}", // separators kept, binary segment is an id
		"":                                              "",
		"plain":                                         "plain",
	}
	for in, want := range cases {
		if got := shape.Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	long := shape.Key(strings.Repeat("word:", 100))
	if len(long) > shape.MaxPatternLen+len("…") || !strings.HasSuffix(long, "…") {
		t.Errorf("Key of a 500-byte key = %d bytes %q, want at most %d ending in …", len(long), long, shape.MaxPatternLen)
	}
}

func TestGroupCollapsesAndCaps(t *testing.T) {
	var keys []string
	for i := 0; i < 30; i++ { // 30 sessions
		keys = append(keys, fmt.Sprintf("user:%d:session", i))
	}
	for i := 0; i < 20; i++ { // 20 distinct user names: too many to be words
		keys = append(keys, fmt.Sprintf("profile:%s", strings.Repeat(string(rune('a'+i)), 3)))
	}
	keys = append(keys, "cache:users", "cache:orders", "cache:orders:v2") // few: they stay
	for i := 0; i < 5; i++ {
		keys = append(keys, fmt.Sprintf("rare%d:x", i)) // 5 one-key patterns ("rare0:x" ...)
	}
	g := shape.Group(keys, 5, 16)
	want := []string{"user:{id}:session", "profile:{*}", "cache:orders", "cache:orders:v2", shape.Other}
	if fmt.Sprint(g.Patterns) != fmt.Sprint(want) {
		t.Fatalf("patterns = %q, want %q", g.Patterns, want)
	}
	if fmt.Sprint(g.Counts) != fmt.Sprint([]int{30, 20, 1, 1, 6}) {
		t.Errorf("counts = %v, want [30 20 1 1 6]", g.Counts)
	}
	if len(g.Of) != len(keys) {
		t.Fatalf("len(Of) = %d, want %d", len(g.Of), len(keys))
	}
	for k, key := range keys {
		p := g.Patterns[g.Of[k]]
		switch {
		case strings.HasPrefix(key, "user:") && p != "user:{id}:session",
			strings.HasPrefix(key, "profile:") && p != "profile:{*}",
			key == "cache:users" && p != shape.Other:
			t.Errorf("key %q is in pattern %q", key, p)
		}
	}
	// Below the collapse threshold the words stay.
	g = shape.Group([]string{"a:x", "a:y", "a:z"}, 10, 16)
	if fmt.Sprint(g.Patterns) != "[a:x a:y a:z]" {
		t.Errorf("3 words collapsed: %q", g.Patterns)
	}
	if g := shape.Group(nil, 10, 0); len(g.Patterns) != 0 || len(g.Of) != 0 {
		t.Errorf("Group(nil) = %+v", g)
	}
}

func TestCommand(t *testing.T) {
	specs := map[string]shape.KeySpec{
		"get":   {1, 1, 1},
		"set":   {1, 1, 1},
		"mset":  {1, -1, 2},
		"mget":  {1, -1, 1},
		"blpop": {1, -2, 1},
		"ping":  {0, 0, 0},
	}
	lookup := func(n string) (shape.KeySpec, bool) { s, ok := specs[n]; return s, ok }
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"get", "user:1:session"}, "GET user:{id}:session"},
		{[]string{"SET", "user:1:session", "abc", "ex", "60"}, "SET user:{id}:session ? EX ?"},
		{[]string{"mset", "k:1", "v", "k:2", "v"}, "MSET k:{id} ? k:{id} ?"},
		{[]string{"mget", "a:1", "a:2", "a:3", "a:4", "a:5", "a:6", "a:7"}, "MGET a:{id} a:{id} a:{id} a:{id} a:{id} a:{id} …"},
		{[]string{"blpop", "q:1", "q:2", "0"}, "BLPOP q:{id} q:{id} ?"},
		{[]string{"hset", "h:9", "f", "v"}, "HSET h:{id} ? ?"}, // unknown to specs: first argument is the key
		{[]string{"ping"}, "PING"},
		{[]string{"publish", "news:1", "hello"}, "PUBLISH ? ?"}, // a channel is not a key
		{[]string{"config", "get", "maxmemory"}, "CONFIG GET ?"},
		{[]string{"memory", "usage", "user:7", "SAMPLES", "5"}, "MEMORY USAGE user:{id} ? ?"},
		{[]string{"object", "freq", "user:7"}, "OBJECT FREQ user:{id}"},
		{[]string{"evalsha", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "1", "lock:42", "tok"}, "EVALSHA da39a3ee5e6b ? lock:{id} ?"},
		{[]string{"eval", "return   redis.call('get', KEYS[1])", "1", "k:1"}, `EVAL "return redis.call('get', KEYS[1])" ? k:{id}`},
		{[]string{"fcall", "myfunc", "0", "x"}, "FCALL myfunc ? ?"},
		// SLOWLOG truncation: the argument list and a long argument
		{[]string{"mset", "a:1", "1", "b:2", "2", "... (26 more arguments)"}, "MSET a:{id} ? b:{id} ? …"},
		{[]string{"set", "k:" + strings.Repeat("a", 126) + "... (74 more bytes)", "1"}, "SET k:" + strings.Repeat("a", 126) + " ?"},
		{nil, ""},
	}
	for _, c := range cases {
		if got := shape.Command(c.args, lookup); got != c.want {
			t.Errorf("Command(%q) = %q, want %q", c.args, got, c.want)
		}
	}
	if got := shape.Command([]string{"set", "k:1", "v"}, nil); got != "SET k:{id} ?" {
		t.Errorf("Command without specs = %q", got)
	}
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{"user:1:session", "{x}", "550e8400-e29b-41d4-a716-446655440000", "a\xffb", "user1234", "{{id}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		p := shape.Key(key)
		if len(p) > shape.MaxPatternLen+len("…") {
			t.Fatalf("Key(%q) is %d bytes", key, len(p))
		}
		if utf8.ValidString(key) && !utf8.ValidString(p) {
			t.Fatalf("Key(%q) = %q is not valid UTF-8", key, p)
		}
		if again := shape.Key(key); again != p {
			t.Fatalf("Key is not deterministic: %q then %q", p, again)
		}
	})
}

func FuzzCommand(f *testing.F) {
	f.Add("set", "k:1", "v", "EX")
	f.Add("eval", "return 1", "2", "k")
	f.Add("config", "get", "", "")
	f.Add("mset", "a", "... (3 more arguments)", "")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		s := shape.Command([]string{a, b, c, d}, nil)
		if len(s) > shape.MaxShapeLen+len("…") {
			t.Fatalf("shape of %q is %d bytes", []string{a, b, c, d}, len(s))
		}
		if !utf8.ValidString(s) {
			t.Fatalf("shape %q is not valid UTF-8", s)
		}
		g := shape.Group([]string{a, b, c, d}, 2, 2)
		if len(g.Of) != 4 || len(g.Patterns) > 2 {
			t.Fatalf("Group = %+v", g)
		}
	})
}

func TestFirstKey(t *testing.T) {
	cases := []struct {
		args []string
		key  string
		ok   bool
	}{
		{[]string{"get", "user:1"}, "user:1", true},
		{[]string{"ping"}, "", false},
		{[]string{"config", "get", "x"}, "", false},
		{[]string{"object", "freq", "k:1"}, "k:1", true},
		{[]string{"evalsha", "abc", "2", "a", "b"}, "a", true},
		{[]string{"eval", "return 1", "0"}, "", false},
		{[]string{"set", "big" + "... (10 more bytes)", "v"}, "big", true},
	}
	for _, c := range cases {
		k, ok := shape.FirstKey(c.args, nil)
		if k != c.key || ok != c.ok {
			t.Errorf("FirstKey(%q) = %q, %v; want %q, %v", c.args, k, ok, c.key, c.ok)
		}
	}
}
