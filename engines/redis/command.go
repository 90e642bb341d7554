package redis

import (
	"fmt"
	"strings"
)

// SplitCommand splits one Redis command line into its arguments the way redis-cli does:
// words separated by spaces, "double quotes" with backslash escapes (\n, \r, \t, \", \\,
// \xHH), and 'single quotes' where only \' is an escape. A quoted argument may be empty.
//
// Note: hand-written because the quoting rules are Redis's own (sdssplitargs), not a shell's.
func SplitCommand(line string) ([]string, error) {
	var (
		args []string
		cur  strings.Builder
		in   bool // inside an argument
	)
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
			i++
		case c == '"' || c == '\'':
			next, err := readQuoted(line, i, &cur)
			if err != nil {
				return nil, err
			}
			i, in = next, true
		default:
			cur.WriteByte(c)
			in = true
			i++
		}
	}
	if in {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return args, nil
}

// readQuoted reads the quoted argument that starts at line[start] (a " or a ') into cur and
// returns the index after its closing quote. Double quotes take backslash escapes; single
// quotes only \'.
func readQuoted(line string, start int, cur *strings.Builder) (int, error) {
	quote := line[start]
	name := map[byte]string{'"': "double", '\'': "single"}[quote]
	for i := start + 1; i < len(line); {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && quote == '\'' && line[i+1] == '\'':
			cur.WriteByte('\'')
			i += 2
		case c == '\\' && i+1 < len(line) && quote == '"':
			i = unescape(line, i, cur)
		case c == quote:
			if i+1 < len(line) && !isSpace(line[i+1]) {
				return 0, fmt.Errorf("a closing quote must be followed by a space (column %d of the %s command)", i+2, firstWord(line))
			}
			return i + 1, nil
		default:
			cur.WriteByte(c)
			i++
		}
	}
	return 0, fmt.Errorf("unbalanced %s quote at column %d of the %s command", name, start+1, firstWord(line))
}

// unescape writes the escape at line[i] (a backslash and what follows) and returns the
// index after it.
func unescape(line string, i int, cur *strings.Builder) int {
	switch n := line[i+1]; n {
	case 'n':
		cur.WriteByte('\n')
	case 'r':
		cur.WriteByte('\r')
	case 't':
		cur.WriteByte('\t')
	case 'b':
		cur.WriteByte('\b')
	case 'a':
		cur.WriteByte('\a')
	case 'x':
		if i+3 < len(line) && isHex(line[i+2]) && isHex(line[i+3]) {
			cur.WriteByte(unhex(line[i+2])<<4 | unhex(line[i+3]))
			return i + 4
		}
		cur.WriteByte('x')
	default:
		cur.WriteByte(n)
	}
	return i + 2
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// quoteConfig quotes a value for a redis.conf line so that Redis reads it back as one
// argument (an empty value included).
func quoteConfig(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\r\n\"'\\") {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// firstWord names a command in errors without its arguments, which may be secrets
// (CONFIG SET requirepass ...).
func firstWord(line string) string {
	f := strings.Fields(line)
	if len(f) == 0 {
		return "empty"
	}
	return strings.Trim(strings.ToUpper(f[0]), `"'`)
}
