package querytext

import "strings"

// Like says whether a statement text (as the analysis reports it: normalized, literals as
// "?") contains fragment, as a scenario writer would type it: case, spacing, identifier
// quoting (`t`, "t", [t]) and literal values do not matter, so `UPDATE accounts SET balance`
// matches "UPDATE `accounts` SET `balance` = `balance` + ?" and `WHERE id = 7` matches
// "WHERE id = ?". An empty fragment matches nothing.
func Like(text, fragment string) bool {
	want := shapeTokens(fragment)
	if len(want) == 0 {
		return false
	}
	have := shapeTokens(text)
	for i := 0; i+len(want) <= len(have); i++ {
		match := true
		for j, w := range want {
			if have[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// shapeTokens splits a statement into lower-case words and single punctuation marks, with
// literals made "?" and identifier quotes dropped.
func shapeTokens(s string) []string {
	s = normalize(s, ANSI)
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '`' || c == '"' || c == '[' || c == ']':
			i++
		case isWord(c):
			j := i
			for j < len(s) && isWord(s[j]) {
				j++
			}
			out = append(out, strings.ToLower(s[i:j]))
			i = j
		default:
			out = append(out, s[i:i+1])
			i++
		}
	}
	return out
}
