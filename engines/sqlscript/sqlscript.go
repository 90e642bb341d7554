// Package sqlscript splits a SQL script into its statements, the way each database's own
// client does: on semicolons outside quotes, comments and dollar-quoted bodies, with the
// mysql client's DELIMITER directive for procedure bodies, or in batches between lines of a
// separator word where the client sends batches. Each statement keeps the line
// it starts on, so an error can say "statement 3 (line 7)".
//
// Note: written by hand because the database drivers run one statement at a time and no
// well-kept Go library splits scripts across dialects; the rules are the clients' (psql,
// mysql, sqlplus's "/" is not supported: Oracle scripts end PL/SQL blocks with ";" here).
package sqlscript

import (
	"fmt"
	"strings"
)

// A Statement is one statement of a script.
type Statement struct {
	Text string // without the terminator, trimmed
	Line int    // 1-based line of the script it starts on
}

// A Dialect says which quoting a script uses.
type Dialect struct {
	DollarQuoting   bool // $tag$ ... $tag$ bodies (PostgreSQL)
	Delimiter       bool // DELIMITER lines change the terminator (the mysql client)
	HashComments    bool // # starts a comment (MySQL)
	BackslashEscape bool // \' inside '...' (MySQL)
	// Batch, when set, is a word that ends a statement when it stands alone on a line (any
	// case), and semicolons then do not: the script goes to the server in batches, as
	// clients with a batch separator send it (sqlcmd's GO), bodies with semicolons whole.
	Batch string
}

// The dialects.
var (
	PostgreSQL = Dialect{DollarQuoting: true}
	MySQL      = Dialect{Delimiter: true, HashComments: true, BackslashEscape: true}
	Standard   = Dialect{}
)

// Split returns the statements of script in order, leaving out empty ones (a lone ";",
// comments only). An unterminated quote or body is an error naming its line.
func Split(script string, d Dialect) ([]Statement, error) {
	var out []Statement
	delim := ";"
	line := 1
	start, startLine := 0, 1
	flush := func(end int) {
		text := strings.TrimSpace(script[start:end])
		if text != "" && !onlyComments(text, d) {
			out = append(out, Statement{Text: text, Line: startLine})
		}
	}
	atLineStart := true
	for i := 0; i < len(script); {
		c := script[i]
		if d.Batch != "" && atLineStart {
			rest := script[i:]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				rest = rest[:j]
			}
			if strings.EqualFold(strings.TrimSpace(rest), d.Batch) {
				flush(i)
				i += len(rest)
				start, startLine = i, line
				continue
			}
		}
		if d.Delimiter && atLineStart {
			rest := script[i:]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				rest = rest[:j]
			}
			if f := strings.Fields(rest); len(f) == 2 && strings.EqualFold(f[0], "delimiter") {
				flush(i)
				delim = f[1]
				i += len(rest)
				start, startLine = i, line
				continue
			}
		}
		atLineStart = false
		switch {
		case c == '\n':
			line++
			atLineStart = true
			i++
			if strings.TrimSpace(script[start:i]) == "" {
				startLine = line
			}
		case d.Batch == "" && strings.HasPrefix(script[i:], delim):
			flush(i)
			i += len(delim)
			start, startLine = i, line
		case c == '-' && strings.HasPrefix(script[i:], "--"), c == '#' && d.HashComments:
			for i < len(script) && script[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			end := strings.Index(script[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: a /* comment is never closed", line)
			}
			line += strings.Count(script[i:i+2+end+2], "\n")
			i += end + 4
		case c == '\'' || c == '"' || c == '`':
			j, err := closeQuote(script, i, c, d.BackslashEscape && c != '`')
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			line += strings.Count(script[i:j], "\n")
			i = j
		case c == '$' && d.DollarQuoting:
			tag := dollarTag(script[i:])
			if tag == "" {
				i++
				continue
			}
			end := strings.Index(script[i+len(tag):], tag)
			if end < 0 {
				return nil, fmt.Errorf("line %d: the body quoted with %s is never closed", line, tag)
			}
			j := i + len(tag) + end + len(tag)
			line += strings.Count(script[i:j], "\n")
			i = j
		default:
			i++
		}
	}
	flush(len(script))
	return out, nil
}

// closeQuote returns the index after the quote that closes the one at s[i].
func closeQuote(s string, i int, q byte, backslash bool) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch {
		case backslash && s[j] == '\\':
			j++
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j++ // a doubled quote stays inside
				continue
			}
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("a %c quote is never closed", q)
}

// dollarTag returns "$tag$" when s starts with one ($$ or $name$; not $1).
func dollarTag(s string) string {
	for j := 1; j < len(s) && j < 64; j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1]
		}
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 1 && c >= '0' && c <= '9') {
			return ""
		}
	}
	return ""
}

// onlyComments says whether a piece of script holds comments and blanks only.
func onlyComments(text string, d Dialect) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "--") && !(d.HashComments && strings.HasPrefix(l, "#")) {
			return false
		}
	}
	return true
}
