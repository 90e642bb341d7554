package thresholds

import (
	"fmt"
	"unicode/utf8"
)

// A SyntaxError says where and why a metric or condition does not parse.
type SyntaxError struct {
	Input  string // the metric or condition as given
	Offset int    // byte offset in Input where the problem is
	Msg    string
}

// Column is the 1-based column (in characters) of Offset.
func (e *SyntaxError) Column() int {
	off := min(max(e.Offset, 0), len(e.Input))
	return utf8.RuneCountInString(e.Input[:off]) + 1
}

// Error says what is wrong and at which column of which input.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%q, column %d: %s", e.Input, e.Column(), e.Msg)
}

func syntaxErr(input string, off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Input: input, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
