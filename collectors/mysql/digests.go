package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dbharness/dbharness/collectors/querytext"
)

// A digest is one row of performance_schema.events_statements_summary_by_digest: a
// statement shape in a schema and its totals since the server started (or the table was
// truncated). Times are in seconds.
type digest struct {
	schema, id, text                                    string
	calls, seconds, lockSeconds                         float64
	errors, warnings                                    float64
	rowsAffected, rowsSent, rowsExamined                float64
	tmpTables, tmpDiskTables, sortMergePasses, sortRows float64
	noIndexUsed, noGoodIndexUsed, selectScan, fullJoin  float64
	cpuSeconds                                          float64 // MySQL 8.0.28+ (SUM_CPU_TIME)
	p95, p99, p999                                      float64 // MySQL 8 (QUANTILE_*), seconds
	hasCPU, hasQuantiles                                bool
}

// key identifies a digest across reads.
func (d digest) key() string { return d.schema + "\x00" + d.id }

// picoseconds is performance_schema's timer unit.
const picoseconds = 1e12

// digestColumns are read by name; the MySQL 8 ones only where the table has them.
var digestColumns = []string{
	"SCHEMA_NAME", "DIGEST", "DIGEST_TEXT", "COUNT_STAR", "SUM_TIMER_WAIT", "SUM_LOCK_TIME", "SUM_ERRORS",
	"SUM_WARNINGS", "SUM_ROWS_AFFECTED", "SUM_ROWS_SENT", "SUM_ROWS_EXAMINED", "SUM_CREATED_TMP_TABLES",
	"SUM_CREATED_TMP_DISK_TABLES", "SUM_SORT_MERGE_PASSES", "SUM_SORT_ROWS", "SUM_NO_INDEX_USED",
	"SUM_NO_GOOD_INDEX_USED", "SUM_SELECT_SCAN", "SUM_SELECT_FULL_JOIN",
}

// optionalDigestColumns are MySQL 8's: MariaDB's table lacks them.
var optionalDigestColumns = []string{"SUM_CPU_TIME", "QUANTILE_95", "QUANTILE_99", "QUANTILE_999"}

// digestReader reads the digest table, learning once which optional columns it has.
type digestReader struct {
	mu       sync.Mutex
	learned  bool
	optional []string
}

func (r *digestReader) learn(ctx context.Context, db *sql.DB) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.learned {
		return r.optional, nil
	}
	rows, err := db.QueryContext(ctx, marker+"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'performance_schema' AND TABLE_NAME = 'events_statements_summary_by_digest'")
	if err != nil {
		return nil, err // asked again at the next read
	}
	defer rows.Close()
	var optional []string
	for rows.Next() {
		var c string
		if rows.Scan(&c) == nil && slices.Contains(optionalDigestColumns, strings.ToUpper(c)) {
			optional = append(optional, strings.ToUpper(c))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.learned, r.optional = true, optional
	return optional, nil
}

// read returns digests ordered by total time, at most limit of them (0: all).
func (r *digestReader) read(ctx context.Context, db *sql.DB, limit int) ([]digest, error) {
	optional, err := r.learn(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("read the columns of events_statements_summary_by_digest: %w", err)
	}
	cols := append(slices.Clone(digestColumns), optional...)
	q := "SELECT " + strings.Join(cols, ", ") + " FROM performance_schema.events_statements_summary_by_digest ORDER BY SUM_TIMER_WAIT DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := db.QueryContext(ctx, marker+q)
	if err != nil {
		return nil, fmt.Errorf("read events_statements_summary_by_digest: %w", err)
	}
	defer rows.Close()
	var out []digest
	for rows.Next() {
		var schema, id, text sql.NullString
		nums := make([]sql.NullFloat64, len(cols)-3)
		dest := []any{&schema, &id, &text}
		for i := range nums {
			dest = append(dest, &nums[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read events_statements_summary_by_digest: %w", err)
		}
		v := func(i int) float64 { return nums[i].Float64 }
		d := digest{schema: schema.String, id: id.String, text: text.String,
			calls: v(0), seconds: v(1) / picoseconds, lockSeconds: v(2) / picoseconds, errors: v(3), warnings: v(4),
			rowsAffected: v(5), rowsSent: v(6), rowsExamined: v(7), tmpTables: v(8), tmpDiskTables: v(9),
			sortMergePasses: v(10), sortRows: v(11), noIndexUsed: v(12), noGoodIndexUsed: v(13), selectScan: v(14), fullJoin: v(15)}
		for i, c := range optional {
			x := nums[len(digestColumns)-3+i]
			switch c {
			case "SUM_CPU_TIME":
				d.cpuSeconds, d.hasCPU = x.Float64/picoseconds, x.Valid
			case "QUANTILE_95":
				d.p95, d.hasQuantiles = x.Float64/picoseconds, x.Valid
			case "QUANTILE_99":
				d.p99 = x.Float64 / picoseconds
			case "QUANTILE_999":
				d.p999 = x.Float64 / picoseconds
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// otherStatements is the text of the digest row that gathers every statement once the table
// is full (performance_schema_digests_size): its DIGEST is NULL.
const otherStatements = "(other statements: the digest table is full)"

// statementText is a digest's text as labels and findings show it: secrets masked and
// literals made "?" (DIGEST_TEXT already has most as ?), cut to n runes.
func statementText(d digest, n int) string {
	if d.id == "" {
		return otherStatements
	}
	return cut(querytext.SQL(digestSpelling.Replace(d.text), querytext.MySQL), n)
}

// digestSpelling undoes the digest's spelling of synonyms: it prints the keyword its lexer
// maps a word to, so a DISTINCT written by the workload reads DISTINCTROW.
var digestSpelling = strings.NewReplacer("DISTINCTROW ", "DISTINCT ")

// cut truncates s to n runes, ending a cut text with "...".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:max(n-3, 0)]
	return strings.TrimRight(string(rs), " ") + "..."
}

// systemSchema says whether a schema is the server's own.
func systemSchema(s string) bool {
	switch strings.ToLower(s) {
	case "mysql", "performance_schema", "information_schema", "sys":
		return true
	}
	return false
}
