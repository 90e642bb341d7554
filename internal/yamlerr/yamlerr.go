// Package yamlerr reads the position out of a YAML parser's error, so errors about workload
// files can name file and line like every other error of bad input.
package yamlerr

import (
	"strconv"
	"strings"
)

// Line digs the line number out of a yaml.v3 error ("yaml: line 3: ..."), or 0.
func Line(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		if j := strings.IndexByte(rest, ':'); j > 0 {
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return n
			}
		}
	}
	return 0
}

// Message is the error without yaml's prefix.
func Message(err error) string { return strings.TrimPrefix(err.Error(), "yaml: ") }
