package oracle

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dbharness/dbharness/collectors/querytext"
)

// NormalizeSQL makes a statement's text safe to show and short: secrets masked, literals
// made "?", whitespace collapsed (querytext, Oracle's quoting), and cut to at most n runes
// with "..." at the end of a cut text. Bind variables (:1, :name) stay as they are.
func NormalizeSQL(text string, n int) string {
	const mark = "..."
	out := querytext.SQL(text, querytext.Oracle)
	if utf8.RuneCountInString(out) <= n {
		return out
	}
	rs := []rune(out)[:max(n-len(mark), 0)]
	return strings.TrimRight(string(rs), " ") + mark
}

// harnessSQL matches the statements the harness runs itself (its scrapers, the analysis,
// the drivers' session set-up, and what the workloads mark with oracle.HarnessComment),
// which the top SQL and the findings leave out.
var harnessSQL = regexp.MustCompile(`(?is)/\*\s*dbharness\s*\*/|\bg?v\$[a-z_]+|\bdba_[a-z_]+|\bcdb_[a-z_]+|\buser_(?:advisor|errors|segments|tables|indexes|part_tables)\b|` +
	`\bdbms_(?:xplan|advisor|space|workload_repository|application_info)\b|^\s*(?:alter\s+session|select\s+1\s+from\s+dual\s*$)`)

// IsHarnessSQL says whether a statement is one of the harness's own.
func IsHarnessSQL(text string) bool { return harnessSQL.MatchString(text) }
