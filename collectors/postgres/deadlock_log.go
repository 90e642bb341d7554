package postgres

import (
	"regexp"
	"strconv"
	"strings"
)

// A deadlock is one "deadlock detected" error of the server log: the processes of the
// cycle, what each waited for, and their statements.
type deadlock struct {
	processes []deadlockProcess
	relation  string // from the CONTEXT line, "" when absent
	line      int    // line of the ERROR, from 1
}

// A deadlockProcess is one process of a deadlock's cycle.
type deadlockProcess struct {
	pid       int
	waitsFor  string // "ShareLock on transaction 740"
	blockedBy int
	statement string // as logged: literals and all
}

var (
	// logField is a line of the log that starts a message or one of its fields: the
	// prefix (log_line_prefix, whatever it is), the severity or field name, two spaces.
	logField         = regexp.MustCompile(`^(.*?)\b(DEBUG[1-5]?|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):  (.*)$`)
	waitLine         = regexp.MustCompile(`^Process (\d+) waits for (.+?); blocked by process (\d+)\.?$`)
	processStatement = regexp.MustCompile(`^Process (\d+): (.*)$`)
	relationText     = regexp.MustCompile(`in relation "([^"]+)"`)
)

// parseDeadlocks finds the deadlocks in a stretch of server log in PostgreSQL's stderr
// format, whatever its line prefix: the ERROR "deadlock detected" and the DETAIL and
// CONTEXT lines that follow it (a message's lines are written together).
func parseDeadlocks(text string) []deadlock {
	var out []deadlock
	var cur *deadlock
	field := "" // the field the current line belongs to
	proc := -1  // the process whose statement a continuation line adds to
	flush := func() {
		if cur != nil && len(cur.processes) > 0 {
			out = append(out, *cur)
		}
		cur, proc, field = nil, -1, ""
	}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "\t") {
			if cur != nil && field == "DETAIL" {
				proc = detailLine(cur, proc, strings.TrimPrefix(line, "\t"))
			}
			continue
		}
		m := logField.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, rest := m[2], m[3]
		switch name {
		case "DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY", "LOCATION":
			if cur == nil {
				continue
			}
			field = name
			switch name {
			case "DETAIL":
				proc = detailLine(cur, proc, rest)
			case "CONTEXT":
				if r := relationText.FindStringSubmatch(rest); r != nil && cur.relation == "" {
					cur.relation = r[1]
				}
			}
		default:
			flush()
			if name == "ERROR" && strings.HasPrefix(rest, "deadlock detected") {
				cur = &deadlock{line: i + 1}
			}
		}
	}
	flush()
	return out
}

// detailLine reads one line of a deadlock's DETAIL: a wait, a process's statement, or more
// of the last statement. It returns the index of the process the next continuation line
// belongs to, -1 for none.
func detailLine(d *deadlock, last int, s string) int {
	if m := waitLine.FindStringSubmatch(s); m != nil {
		i := d.process(atoiOr0(m[1]))
		d.processes[i].waitsFor, d.processes[i].blockedBy = m[2], atoiOr0(m[3])
		return -1
	}
	if m := processStatement.FindStringSubmatch(s); m != nil {
		i := d.process(atoiOr0(m[1]))
		d.processes[i].statement = m[2]
		return i
	}
	if last >= 0 {
		d.processes[last].statement += "\n" + s
	}
	return last
}

// process returns the index of process pid in the cycle, adding it in the order seen.
func (d *deadlock) process(pid int) int {
	for i := range d.processes {
		if d.processes[i].pid == pid {
			return i
		}
	}
	d.processes = append(d.processes, deadlockProcess{pid: pid})
	return len(d.processes) - 1
}

func atoiOr0(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
