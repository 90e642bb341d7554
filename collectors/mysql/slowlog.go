package mysql

import (
	"bufio"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors/logtail"
	"github.com/dbharness/dbharness/collectors/querytext"
)

// A SlowEntry is one entry of the slow query log (MariaDB's and MySQL's file format).
type SlowEntry struct {
	Time         string // the # Time: header, as written
	User         string // user[user] @ host
	Schema       string // MariaDB's # Schema:, or the last "use db;"
	QuerySeconds float64
	LockSeconds  float64
	RowsSent     float64
	RowsExamined float64
	RowsAffected float64 // MariaDB only
	Query        string  // as the server logged it: literals and all (use Shape)
}

// Shape is the entry's statement with literals made "?" and secrets masked: what it is
// grouped by and shown as.
func (e SlowEntry) Shape() string { return querytext.SQL(e.Query, querytext.MySQL) }

// Own says whether the collector sent the statement (its marker comment starts it).
func (e SlowEntry) Own() bool { return strings.Contains(e.Query, strings.TrimSpace(marker)) }

var (
	slowNumbers = regexp.MustCompile(`(Query_time|Lock_time|Rows_sent|Rows_examined|Rows_affected):\s*([0-9.]+)`)
	slowSchema  = regexp.MustCompile(`Schema:\s*(\S*)`)
	slowUse     = regexp.MustCompile("(?i)^use `?([^`;]+)`?;$")
)

// ParseSlowLog reads slow query log entries from r. Lines before the first entry (the
// server's header, or the tail of an entry before the offset read from) are skipped.
func ParseSlowLog(r io.Reader) ([]SlowEntry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out []SlowEntry
	var cur *SlowEntry
	var query []string
	inHeader := false
	finish := func() {
		if cur != nil {
			cur.Query = strings.TrimSuffix(strings.TrimSpace(strings.Join(query, "\n")), ";")
			if cur.Query != "" {
				out = append(out, *cur)
			}
		}
		cur, query = nil, nil
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# ") {
			if !inHeader {
				// A header line after query text starts the next entry.
				finish()
				cur = &SlowEntry{}
				inHeader = true
			}
			readSlowHeader(cur, line)
			continue
		}
		inHeader = false
		if cur == nil {
			continue
		}
		t := strings.TrimSpace(line)
		if m := slowUse.FindStringSubmatch(t); m != nil && len(query) == 0 {
			cur.Schema = m[1]
			continue
		}
		if strings.HasPrefix(strings.ToUpper(t), "SET TIMESTAMP=") && len(query) == 0 {
			continue
		}
		if isServerHeader(line) {
			finish() // a server restart writes its header into the log
			continue
		}
		query = append(query, line)
	}
	finish()
	return out, sc.Err()
}

func readSlowHeader(e *SlowEntry, line string) {
	switch {
	case strings.HasPrefix(line, "# Time:"):
		e.Time = strings.TrimSpace(strings.TrimPrefix(line, "# Time:"))
	case strings.HasPrefix(line, "# User@Host:"):
		e.User = strings.Join(strings.Fields(strings.TrimPrefix(line, "# User@Host:")), " ")
	}
	if m := slowSchema.FindStringSubmatch(line); m != nil && e.Schema == "" {
		e.Schema = m[1]
	}
	for _, m := range slowNumbers.FindAllStringSubmatch(line, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[1] {
		case "Query_time":
			e.QuerySeconds = v
		case "Lock_time":
			e.LockSeconds = v
		case "Rows_sent":
			e.RowsSent = v
		case "Rows_examined":
			e.RowsExamined = v
		case "Rows_affected":
			e.RowsAffected = v
		}
	}
}

// isServerHeader says whether a line is one of the lines a server writes at the top of the
// log when it starts.
func isServerHeader(line string) bool {
	return strings.Contains(line, ", Version: ") && strings.Contains(line, "started with:") ||
		strings.HasPrefix(line, "Tcp port: ") || strings.HasPrefix(line, "Time ") && strings.Contains(line, "Command")
}

// slowLogFrom reads the entries written to the file at path after offset, and returns
// where the file ends now. A file shorter than offset (rotated or truncated) is read from
// its start.
func slowLogFrom(path string, offset int64) ([]SlowEntry, int64, error) {
	r, end, err := logtail.Open(path, offset, math.MaxInt64)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	entries, err := ParseSlowLog(r)
	return entries, end, err
}
