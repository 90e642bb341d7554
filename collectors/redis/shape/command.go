package shape

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxShapeArgs bounds the arguments a command shape shows; more end the shape with "…".
const MaxShapeArgs = 6

// MaxShapeLen bounds a command shape, in bytes.
const MaxShapeLen = 160

// A KeySpec says where a command's keys are, as COMMAND INFO does: the position of the
// first key (1 is the first argument after the name; 0 means no keys), of the last (-1 is
// the last argument, -2 the one before) and the step between keys.
type KeySpec struct{ First, Last, Step int }

// KeySpecs looks a command's KeySpec up by its lower-case name. A nil KeySpecs, or a command
// it does not know, falls back to: the first argument is a key, unless the command is one
// that takes none (PING, INFO, SCAN, PUBLISH, ...).
type KeySpecs func(name string) (KeySpec, bool)

// containers are the commands whose first argument is a subcommand; the shape keeps it.
var containers = map[string]bool{
	"ACL": true, "CLIENT": true, "CLUSTER": true, "COMMAND": true, "CONFIG": true, "DEBUG": true,
	"FUNCTION": true, "LATENCY": true, "MEMORY": true, "MODULE": true, "OBJECT": true, "PUBSUB": true,
	"SCRIPT": true, "SENTINEL": true, "SLOWLOG": true, "XGROUP": true, "XINFO": true,
}

// keyedSubcommands take one key right after the subcommand.
var keyedSubcommands = map[string]bool{
	"OBJECT": true, "MEMORY USAGE": true, "XINFO STREAM": true, "XINFO GROUPS": true,
	"XINFO CONSUMERS": true, "XGROUP CREATE": true, "XGROUP SETID": true, "XGROUP DESTROY": true,
	"XGROUP CREATECONSUMER": true, "XGROUP DELCONSUMER": true,
}

// noKeys are commands without keys, for the fallback when no KeySpec is known.
var noKeys = map[string]bool{
	"AUTH": true, "BGREWRITEAOF": true, "BGSAVE": true, "DBSIZE": true, "DISCARD": true, "ECHO": true,
	"EXEC": true, "FAILOVER": true, "FLUSHALL": true, "FLUSHDB": true, "HELLO": true, "INFO": true,
	"KEYS": true, "LASTSAVE": true, "LOLWUT": true, "MONITOR": true, "MULTI": true, "PING": true,
	"PSUBSCRIBE": true, "PSYNC": true, "PUBLISH": true, "PUNSUBSCRIBE": true, "QUIT": true,
	"RANDOMKEY": true, "READONLY": true, "READWRITE": true, "REPLCONF": true, "REPLICAOF": true,
	"RESET": true, "ROLE": true, "SAVE": true, "SCAN": true, "SELECT": true, "SHUTDOWN": true,
	"SLAVEOF": true, "SPUBLISH": true, "SSUBSCRIBE": true, "SUBSCRIBE": true, "SUNSUBSCRIBE": true,
	"SWAPDB": true, "SYNC": true, "TIME": true, "UNSUBSCRIBE": true, "UNWATCH": true, "WAIT": true,
	"WAITAOF": true,
}

// keywords are option words a shape keeps as written (upper-cased); every other value
// becomes "?".
var keywords = map[string]bool{
	"AFTER": true, "AGGREGATE": true, "ALPHA": true, "AND": true, "ANY": true, "APPROX": true,
	"ASC": true, "BEFORE": true, "BIT": true, "BLOCK": true, "BY": true, "BYBOX": true, "BYLEX": true,
	"BYRADIUS": true, "BYSCORE": true, "BYTE": true, "CH": true, "COUNT": true, "DESC": true,
	"EX": true, "EXAT": true, "FIELDS": true, "FROMLONLAT": true, "FROMMEMBER": true, "GET": true,
	"GROUP": true, "GT": true, "ID": true, "IDLE": true, "INCR": true, "JUSTID": true, "KEEPTTL": true,
	"LEFT": true, "LEN": true, "LIMIT": true, "LT": true, "MATCH": true, "MAX": true, "MAXLEN": true,
	"MIN": true, "MINID": true, "MKSTREAM": true, "NOACK": true, "NOMKSTREAM": true, "NOT": true,
	"NX": true, "OR": true, "PERSIST": true, "PX": true, "PXAT": true, "RANK": true, "REPLACE": true,
	"REV": true, "RIGHT": true, "STORE": true, "STOREDIST": true, "STREAMS": true, "SUM": true,
	"TYPE": true, "WEIGHTS": true, "WITHCOORD": true, "WITHDIST": true, "WITHHASH": true,
	"WITHSCORE": true, "WITHSCORES": true, "WITHVALUES": true, "XOR": true, "XX": true,
}

// Command returns the shape of a command given as its name and arguments, as SLOWLOG GET
// reports them: the upper-case name (with the subcommand of container commands such as
// CONFIG GET), then each argument as its key pattern if it is a key, as written if it is an
// option keyword (EX, WITHSCORES, ...), else "?". At most MaxShapeArgs arguments are shown;
// more, or a SLOWLOG-truncated argument list, end the shape with "…". Scripts keep what
// identifies them: EVAL the start of its script, EVALSHA the first 12 digits of the SHA1,
// FCALL the function name.
func Command(args []string, specs KeySpecs) string {
	p := parse(args, specs)
	if p.head == "" {
		if p.truncated {
			return "…"
		}
		return ""
	}
	var b strings.Builder
	b.WriteString(p.head)
	rest, isKey, truncated := p.rest, p.isKey, p.truncated
	for i, a := range rest {
		if i == MaxShapeArgs {
			truncated = true
			break
		}
		b.WriteByte(' ')
		switch {
		case isKey(i):
			b.WriteString(Key(stripMoreBytes(a)))
		case keywords[strings.ToUpper(a)]:
			b.WriteString(strings.ToUpper(a))
		default:
			b.WriteByte('?')
		}
	}
	if truncated {
		b.WriteString(" …")
	}
	if b.Len() > MaxShapeLen {
		return cutTo(b.String(), MaxShapeLen)
	}
	return b.String()
}

// parsed is a command split into what its shape keeps as written (name, subcommand,
// script id) and its other arguments.
type parsed struct {
	head      string
	rest      []string
	isKey     func(i int) bool // whether rest[i] is a key
	truncated bool
}

func parse(args []string, specs KeySpecs) parsed {
	var p parsed
	p.isKey = func(int) bool { return false }
	if len(args) > 0 {
		if last := args[len(args)-1]; strings.HasPrefix(last, "... (") && strings.HasSuffix(last, " more arguments)") {
			args = args[:len(args)-1]
			p.truncated = true
		}
	}
	if len(args) == 0 {
		return p
	}
	name := strings.ToUpper(args[0])
	rest := args[1:]
	head := clean(name)
	switch {
	case containers[name] && len(rest) > 0:
		sub := strings.ToUpper(rest[0])
		head += " " + clean(sub)
		rest = rest[1:]
		if keyedSubcommands[name] || keyedSubcommands[name+" "+sub] {
			p.isKey = func(i int) bool { return i == 0 }
		}
	case name == "EVAL" || name == "EVAL_RO" || name == "EVALSHA" || name == "EVALSHA_RO" || name == "FCALL" || name == "FCALL_RO":
		if len(rest) > 0 {
			head += " " + scriptID(name, rest[0])
			rest = rest[1:]
		}
		if len(rest) > 0 {
			n, err := strconv.Atoi(rest[0])
			head += " ?"
			rest = rest[1:]
			if err == nil && n > 0 {
				p.isKey = func(i int) bool { return i < n }
			}
		}
	default:
		spec, ok := KeySpec{}, false
		if specs != nil {
			spec, ok = specs(strings.ToLower(name))
		}
		if !ok && !noKeys[name] {
			spec = KeySpec{First: 1, Last: 1, Step: 1}
		}
		p.isKey = spec.keyAt(len(rest))
	}
	p.head, p.rest = head, rest
	return p
}

// FirstKey returns the first key a command names, as Command recognises keys, or false
// when it names none.
func FirstKey(args []string, specs KeySpecs) (string, bool) {
	p := parse(args, specs)
	for i, a := range p.rest {
		if p.isKey(i) {
			return stripMoreBytes(a), true
		}
	}
	return "", false
}

// keyAt returns whether argument i (0-based, after the name) of n is a key under the spec.
func (s KeySpec) keyAt(n int) func(int) bool {
	if s.First <= 0 {
		return func(int) bool { return false }
	}
	last := s.Last
	if last < 0 {
		last = n + 1 + last // -1 is the last argument, which is position n
	}
	step := max(s.Step, 1)
	return func(i int) bool {
		p := i + 1
		return p >= s.First && p <= last && (p-s.First)%step == 0
	}
}

func scriptID(name, s string) string {
	switch name {
	case "EVALSHA", "EVALSHA_RO":
		if len(s) > 12 {
			s = s[:12]
		}
		return clean(s)
	case "FCALL", "FCALL_RO":
		return clean(cutTo(s, 64))
	default:
		// the start of the script, whitespace collapsed, as the statement's text
		return "\"" + cutTo(clean(strings.Join(strings.Fields(stripMoreBytes(s)), " ")), 48) + "\""
	}
}

// stripMoreBytes removes SLOWLOG's "... (N more bytes)" from a truncated argument.
func stripMoreBytes(a string) string {
	if i := strings.LastIndex(a, "... ("); i >= 0 && strings.HasSuffix(a, " more bytes)") {
		return a[:i]
	}
	return a
}

// clean replaces control characters and invalid UTF-8 so a shape is printable.
func clean(s string) string {
	if !hasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// cutTo cuts s to at most n bytes on a rune boundary, ending a cut string with "…".
func cutTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// back up to the start of the rune that crosses n, if one does
	i := n
	for i > 0 && i > n-utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
