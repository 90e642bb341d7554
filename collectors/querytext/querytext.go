// Package querytext makes query text from a database safe to show: every statement, slow
// log line, digest, profiler entry or slowlog argument list that reaches a metric label, a
// finding, a report or an error goes through it first.
//
// Two things happen. Secrets are masked whatever else is done: password clauses of every
// dialect we know (PASSWORD '...', IDENTIFIED BY, WITH PASSWORD =, AUTH, CONFIG SET
// requirepass, ACL SETUSER >pass, pwd: in a document) and connection strings. And literals
// are replaced by "?" where the database did not already do it (pg_stat_statements keeps
// utility statements such as ALTER ROLE verbatim; a slow query log has them all).
//
// Note: written by hand because no Go library masks secrets across SQL dialects, Redis
// commands and JSON documents; the SQL tokenizer is deliberately small (quotes, comments,
// numbers, dollar quoting) and errs towards hiding too much.
package querytext

import (
	"regexp"
	"strings"

	"github.com/dbharness/dbharness/engines"
)

// Masked replaces a secret.
const Masked = "'" + engines.Redacted + "'"

var secretClauses = []*regexp.Regexp{
	// ALTER ROLE r [ENCRYPTED] PASSWORD 'x'; CREATE USER u WITH PASSWORD = 'x' (CQL, T-SQL);
	// SET PASSWORD FOR u = 'x' / = PASSWORD('x') (MySQL).
	regexp.MustCompile(`(?is)(\bpassword\s*(?:=\s*)?(?:password\s*\(\s*)?)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|\$([A-Za-z_]*)\$.*?\$([A-Za-z_]*)\$|[^\s,;)]+)`),
	// IDENTIFIED BY 'x' / BY x / BY "x" (MySQL, Oracle); IDENTIFIED WITH plugin BY|AS 'x'.
	regexp.MustCompile(`(?is)(\bidentified\s+(?:with\s+\S+\s+)?(?:by|as)\s+(?:password\s+)?)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|[^\s,;)]+)`),
	// Oracle: ... REPLACE old_password
	regexp.MustCompile(`(?is)(\bidentified\s+by\s+\S+\s+replace\s+)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|[^\s,;)]+)`),
	// Redis: AUTH [user] pass (all of it: one token may be either), HELLO 3 AUTH user pass,
	// MIGRATE ... AUTH pass / AUTH2 user pass.
	regexp.MustCompile(`(?i)((?:^|[;\n])\s*auth\s+)([^;\n]+)`),
	regexp.MustCompile(`(?i)(\bhello\b.*?\bauth\s+\S+\s+|\bauth2\s+\S+\s+|\bmigrate\b.*?\bauth\s+)(\S+)`),
	// Redis: CONFIG SET requirepass|masterauth|masteruser x.
	regexp.MustCompile(`(?i)(\bconfig\s+set\s+(?:requirepass|masterauth|tls-key-file-pass|tls-client-key-file-pass)\s+)(\S+)`),
	// Redis: ACL SETUSER u ... >pass #hash
	regexp.MustCompile(`(?i)((?:^|\s)[>#])(\S+)`),
	// MongoDB: createUser / updateUser documents: pwd: "x", "pwd": "x".
	regexp.MustCompile(`(?i)("?\bpwd"?\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,}]+)`),
	// Secrets in options: secret = 'x', token: "x", api_key=x.
	regexp.MustCompile(`(?i)(\b(?:secret|token|api[_-]?key|access[_-]?key)\b"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;)}]+)`),
}

// aclSetuser limits the ACL rule above to ACL SETUSER commands: elsewhere > and # are
// operators and comments.
var aclSetuser = regexp.MustCompile(`(?i)\bacl\s+setuser\b`)

// Secrets returns text with every password clause and connection string masked, and
// nothing else changed. Use it on text that is already normalized, or where literals
// matter (a log line).
func Secrets(text string) string {
	text = engines.RedactDSN(text)
	for i, re := range secretClauses {
		if i == 6 && !aclSetuser.MatchString(text) {
			continue
		}
		if !re.MatchString(text) {
			continue
		}
		text = re.ReplaceAllStringFunc(text, func(m string) string {
			sub := re.FindStringSubmatchIndex(m)
			if sub == nil || sub[3] < 0 {
				return m
			}
			return m[:sub[3]] + Masked + m[sub[5]:]
		})
	}
	return text
}

// A Dialect says how a database quotes.
type Dialect struct {
	// DoubleQuotedStrings: "..." is a string literal (MySQL), not an identifier (SQL).
	DoubleQuotedStrings bool
	// DollarQuoting: $tag$...$tag$ is a string literal (PostgreSQL).
	DollarQuoting bool
	// HashComments: # starts a comment to the end of the line (MySQL).
	HashComments bool
}

// The dialects.
var (
	ANSI       = Dialect{}
	PostgreSQL = Dialect{DollarQuoting: true}
	MySQL      = Dialect{DoubleQuotedStrings: true, HashComments: true}
	CQL        = Dialect{}
	TSQL       = Dialect{}
	Oracle     = Dialect{}
)

// SQL returns a statement with its secrets masked and its literals (strings, numbers) made
// "?", comments dropped and whitespace collapsed, in the dialect's quoting.
func SQL(text string, d Dialect) string {
	return Secrets(normalize(Secrets(text), d))
}

// normalize replaces literals with ? and collapses whitespace and comments.
func normalize(s string, d Dialect) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	emit := func(t string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(t)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			space = true
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#' && d.HashComments:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			space = true
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
			space = true
		case c == '\'' || (c == '"' && d.DoubleQuotedStrings):
			i = skipQuoted(s, i, c)
			emit("?")
		case c == '"':
			j := skipQuoted(s, i, c)
			emit(s[i:j])
			i = j
		case c == '$' && d.DollarQuoting && dollarTag(s[i:]) != "":
			tag := dollarTag(s[i:])
			end := strings.Index(s[i+len(tag):], tag)
			if end < 0 {
				i = len(s)
			} else {
				i += len(tag) + end + len(tag)
			}
			emit("?")
		case isDigit(c) && (i == 0 || !isWord(s[i-1])):
			j := i
			for j < len(s) && (isDigit(s[j]) || s[j] == '.' || s[j] == 'e' || s[j] == 'E' || s[j] == 'x' || s[j] == 'X' || isHex(s[j])) {
				j++
			}
			if j < len(s) && isWord(s[j]) {
				emit(s[i:j]) // part of a name such as t1x
			} else {
				emit("?")
			}
			i = j
		case (c == '$' || c == ':') && i+1 < len(s) && isDigit(s[i+1]):
			j := i + 1 // a placeholder ($1, :1) stays as it is
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			emit(s[i:j])
			i = j
		default:
			j := i + 1
			if isWord(c) {
				for j < len(s) && isWord(s[j]) {
					j++
				}
			}
			emit(s[i:j])
			i = j
		}
	}
	return b.String()
}

// skipQuoted returns the index after the quoted text starting at s[i] (quote q); doubled
// quotes and backslash escapes stay inside. An unterminated quote runs to the end.
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// dollarTag returns "$tag$" when s starts with one.
func dollarTag(s string) string {
	for j := 1; j < len(s) && j < 64; j++ {
		if s[j] == '$' {
			return s[:j+1]
		}
		if !isWord(s[j]) || isDigit(s[j]) && j == 1 {
			return ""
		}
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isWord(c byte) bool {
	return c == '_' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// Document returns a JSON-like query (a MongoDB filter, an Elasticsearch query) with its
// secrets masked and every string and number value made "?", keys kept: the shape of the
// query without its data.
func Document(text string) string {
	text = Secrets(text)
	var b strings.Builder
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '"' || c == '\'':
			j := skipQuoted(text, i, c)
			// A quoted key (followed by a colon) stays; a value goes.
			k := j
			for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
				k++
			}
			if k < len(text) && text[k] == ':' {
				b.WriteString(text[i:j])
			} else {
				b.WriteString("?")
			}
			i = j
		case (isDigit(c) || c == '-' && i+1 < len(text) && isDigit(text[i+1])) && (i == 0 || !isWord(text[i-1])):
			j := i + 1
			for j < len(text) && (isDigit(text[j]) || text[j] == '.' || text[j] == 'e' || text[j] == 'E' || text[j] == '+' || text[j] == '-') {
				j++
			}
			b.WriteString("?")
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
