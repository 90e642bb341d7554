package sqlserver

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dbharness/dbharness/collectors/querytext"
)

// NormalizeQuery makes a statement's text safe to show and short: the parameter
// declarations sp_executesql puts in front ("(@p1 bigint,@p2 nvarchar(4000))UPDATE ...")
// cut, secrets masked and literals made "?" (querytext.TSQL), whitespace collapsed, and at
// most n runes with "..." at the end of a cut text.
func NormalizeQuery(text string, n int) string {
	const mark = "..."
	out := querytext.SQL(cutParameterList(text), querytext.TSQL)
	if utf8.RuneCountInString(out) <= n {
		return out
	}
	rs := []rune(out)[:max(n-len(mark), 0)]
	return strings.TrimRight(string(rs), " ") + mark
}

// cutParameterList cuts a leading "(@name type, ...)" parameter list: Query Store and
// sys.dm_exec_sql_text keep it in front of a parameterized statement. Types may have
// parentheses of their own (decimal(10,2), nvarchar(max)).
func cutParameterList(text string) string {
	t := strings.TrimLeft(text, " \t\r\n")
	if !strings.HasPrefix(t, "(@") {
		return text
	}
	depth := 0
	for i, c := range t {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return strings.TrimLeft(t[i+1:], " \t\r\n")
			}
		case '\'':
			return text // a quote in a parameter list: not one, leave it
		}
	}
	return text
}

// harnessStatement says whether a statement is the harness's own (its collectors, the
// analysis, the engine's set-up, the driver's session set-up), which findings leave out.
var harnessStatement = regexp.MustCompile(`(?i)\bsys\.(?:dm_|query_store|database_query_store|configurations|databases|master_files|availability|fn_xe_|objects|indexes|tables)|\bSERVERPROPERTY\s*\(|^\s*(?:set|use|exec(?:ute)?\s+sp_configure|reconfigure|dbcc|if\s+@@trancount|select\s+(?:1|@@\w+|db_name\(\)))\b|^\s*(?:create|alter|drop)\s+database\b`)

// HarnessStatement says whether text is one of the harness's own statements.
func HarnessStatement(text string) bool { return harnessStatement.MatchString(cutParameterList(text)) }
