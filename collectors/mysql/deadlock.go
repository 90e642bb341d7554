package mysql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors/querytext"
)

// A Deadlock is the LATEST DETECTED DEADLOCK section of SHOW ENGINE INNODB STATUS, parsed:
// the transactions caught in it, each with its statement, the locks it held and the one it
// waited for, and the one InnoDB rolled back. No exporter parses it.
type Deadlock struct {
	At           string // "2026-12-03 11:34:01", as the server wrote it
	Transactions []DeadlockTransaction
	Victim       int // Number of the transaction rolled back; 0 when the section does not say
}

// A DeadlockTransaction is one transaction of a deadlock.
type DeadlockTransaction struct {
	Number    int    // (1), (2), ... as the section numbers them
	ID        string // InnoDB's transaction id
	Thread    string // the connection's thread id
	State     string // "ACTIVE 1 sec starting index read"
	Statement string // the statement it was running, literals masked
	Holds     []Lock // locks it held that the others waited for
	Waits     []Lock // the lock it waited for
}

// A Lock is one lock line of the section.
type Lock struct {
	Kind  string // RECORD or TABLE
	Table string // schema.table
	Index string // for record locks
	Mode  string // "X locks rec but not gap", "IX", ...
}

func (l Lock) String() string {
	s := strings.ToLower(l.Kind) + " lock " + l.Mode
	if l.Index != "" {
		s += " on index " + l.Index + " of " + l.Table
	} else {
		s += " on " + l.Table
	}
	return s
}

// Tables are the tables the deadlock's locks are on, sorted.
func (d Deadlock) Tables() []string {
	var out []string
	for _, t := range d.Transactions {
		for _, l := range append(slices.Clone(t.Holds), t.Waits...) {
			if l.Table != "" && !slices.Contains(out, l.Table) {
				out = append(out, l.Table)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Graph writes the deadlock as a person reads it: each transaction, what it ran, held and
// waited for, and which one was rolled back.
func (d Deadlock) Graph() string {
	var b strings.Builder
	fmt.Fprintf(&b, "deadlock at %s on %s\n", d.At, strings.Join(d.Tables(), ", "))
	for _, t := range d.Transactions {
		fmt.Fprintf(&b, "  (%d) transaction %s, thread %s, %s\n", t.Number, t.ID, t.Thread, t.State)
		fmt.Fprintf(&b, "      running: %s\n", orNone(t.Statement))
		for _, l := range t.Holds {
			fmt.Fprintf(&b, "      holds: %s\n", l)
		}
		for _, l := range t.Waits {
			fmt.Fprintf(&b, "      waits for: %s\n", l)
		}
	}
	if d.Victim > 0 {
		fmt.Fprintf(&b, "  rolled back: (%d)\n", d.Victim)
	}
	return strings.TrimRight(b.String(), "\n")
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

var (
	deadlockHeader = regexp.MustCompile(`(?m)^LATEST DETECTED DEADLOCK\s*$`)
	sectionRule    = regexp.MustCompile(`^-{4,}$`)
	txHeader       = regexp.MustCompile(`^\*\*\* \((\d+)\) TRANSACTION:`)
	txLine         = regexp.MustCompile(`^TRANSACTION (\d+), (.*)$`)
	threadLine     = regexp.MustCompile(`(?:MySQL|MariaDB) thread id (\d+)`)
	lockLine       = regexp.MustCompile("^(RECORD|TABLE) LOCKS? (?:space id \\d+ page no \\d+ n bits \\d+ index (\\S+) of )?table `([^`]+)`\\.`([^`]+)`(?: /\\* Partition `[^`]+` \\*/)? trx id (\\d+) lock[_ ]mode (.*)$")
	rollbackLine   = regexp.MustCompile(`^\*\*\* WE ROLL BACK TRANSACTION \((\d+)\)`)
	timestampLine  = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})`)
)

// ParseDeadlock reads the LATEST DETECTED DEADLOCK section out of SHOW ENGINE INNODB STATUS
// text (MariaDB's and MySQL 8's wordings); ok is false when there is none. Record dumps (the
// rows' bytes) are skipped: they hold the data. Statements go through the query redactor.
func ParseDeadlock(status string) (Deadlock, bool) {
	loc := deadlockHeader.FindStringIndex(status)
	if loc == nil {
		return Deadlock{}, false
	}
	lines := strings.Split(status[loc[1]:], "\n")
	var d Deadlock
	var cur *DeadlockTransaction
	byID := map[string]int{} // transaction id -> index
	var locks []struct {
		trx     string
		lock    Lock
		waiting bool
	}
	expectStatement := false
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		if line == "TRANSACTIONS" && i > 0 && sectionRule.MatchString(lines[i-1]) {
			break // the next section: this one was cut short of its rollback line
		}
		if d.At == "" {
			if m := timestampLine.FindStringSubmatch(line); m != nil {
				d.At = m[1]
				continue
			}
		}
		if m := txHeader.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			d.Transactions = append(d.Transactions, DeadlockTransaction{Number: n})
			cur = &d.Transactions[len(d.Transactions)-1]
			expectStatement = false
			continue
		}
		if m := rollbackLine.FindStringSubmatch(line); m != nil {
			d.Victim, _ = strconv.Atoi(m[1])
			break
		}
		if m := lockLine.FindStringSubmatch(line); m != nil {
			mode := strings.TrimSpace(m[6])
			waiting := strings.HasSuffix(mode, " waiting")
			mode = strings.TrimSuffix(mode, " waiting")
			kind := m[1]
			locks = append(locks, struct {
				trx     string
				lock    Lock
				waiting bool
			}{m[5], Lock{Kind: kind, Table: m[3] + "." + m[4], Index: m[2], Mode: mode}, waiting})
			expectStatement = false
			continue
		}
		if cur == nil {
			continue
		}
		if m := txLine.FindStringSubmatch(line); m != nil && cur.ID == "" {
			cur.ID, cur.State = m[1], m[2]
			byID[cur.ID] = len(d.Transactions) - 1
			continue
		}
		if m := threadLine.FindStringSubmatch(line); m != nil {
			cur.Thread = m[1]
			expectStatement = true
			continue
		}
		if expectStatement && cur.Statement == "" && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "***") {
			cur.Statement = querytext.SQL(line, querytext.MySQL)
			expectStatement = false
		}
		if strings.HasPrefix(line, "***") {
			expectStatement = false
		}
	}
	// Each lock line names its transaction: attach it there, held or waited for.
	for _, l := range locks {
		i, ok := byID[l.trx]
		if !ok {
			continue
		}
		t := &d.Transactions[i]
		list := &t.Holds
		if l.waiting {
			list = &t.Waits
		}
		if !slices.Contains(*list, l.lock) {
			*list = append(*list, l.lock)
		}
	}
	return d, len(d.Transactions) > 0
}
