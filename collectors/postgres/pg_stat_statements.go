package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// requiresStatements is the prerequisite of every pg_stat_statements metric.
const requiresStatements = "pg_stat_statements in shared_preload_libraries and CREATE EXTENSION pg_stat_statements"

func statStatementsMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{
		Name:     name,
		Type:     catalog.Counter,
		Unit:     unit,
		Help:     help + " Top statements by total execution time only.",
		Labels:   []string{"datname", "queryid", "query"},
		Database: Database,
		Source:   "pg_stat_statements." + column,
		Requires: requiresStatements,
	}
}

// The metrics of pg_stat_statements, per database and queryid, summed over users.
var (
	statementsCalls = statStatementsMetric("postgresql_statements_calls_total", catalog.None, "calls",
		"Times the statement was executed.")
	statementsSeconds = statStatementsMetric("postgresql_statements_seconds_total", catalog.Seconds, "total_exec_time",
		"Time spent executing the statement.")
	statementsRows = statStatementsMetric("postgresql_statements_rows_total", catalog.None, "rows",
		"Rows retrieved or affected by the statement.")
	statementsBlocksHit = statStatementsMetric("postgresql_statements_blocks_hit_total", catalog.None, "shared_blks_hit",
		"Shared buffer hits by the statement.")
	statementsBlocksRead = statStatementsMetric("postgresql_statements_blocks_read_total", catalog.None, "shared_blks_read",
		"Shared blocks read from disk (or the OS cache) by the statement.")
)

func init() {
	catalog.Register(statementsCalls, statementsSeconds, statementsRows, statementsBlocksHit, statementsBlocksRead)
}

// Note: the numbers are read with pg_stat_statements(false), which skips the query-text
// file (it can reach hundreds of MiB, pgmonitor#489); texts are fetched only for queryids
// that newly enter the top N, and cached while they stay there.
const (
	statStatementsQuery = `SELECT d.datname, s.queryid,
  sum(s.calls)::float8, sum(s.total_exec_time)::float8 / 1000, sum(s.rows)::float8,
  sum(s.shared_blks_hit)::float8, sum(s.shared_blks_read)::float8
FROM pg_stat_statements(false) s JOIN pg_database d ON d.oid = s.dbid
WHERE s.queryid IS NOT NULL
GROUP BY d.datname, s.queryid
ORDER BY sum(s.total_exec_time) DESC, s.queryid
LIMIT $1`
	// Note: a queryid can have several rows (per user, and a PREPARE shares the queryid of
	// the statement it prepares): the text shown is the one of the row with the most calls.
	statStatementsTextQuery = `SELECT DISTINCT ON (d.datname, s.queryid) d.datname, s.queryid, left(s.query, $2)
FROM pg_stat_statements(true) s JOIN pg_database d ON d.oid = s.dbid
WHERE s.queryid = ANY($1)
ORDER BY d.datname, s.queryid, s.calls DESC`
)

// statStatements scrapes the top statements of pg_stat_statements by total execution time.
// Bounding them to limit keeps the cardinality bounded (postgres_exporter#549).
type statStatements struct {
	limit    int
	queryLen int

	mu    sync.Mutex
	texts map[statementKey]string // normalized texts of the last top N
}

type statementKey struct {
	datname string
	queryid int64
}

func newStatStatements(limit, queryLen int) *statStatements {
	return &statStatements{limit: limit, queryLen: queryLen, texts: map[statementKey]string{}}
}

// Name implements collectors.Scraper.
func (*statStatements) Name() string { return "pg_stat_statements" }

type statementRow struct {
	key                             statementKey
	calls, seconds, rows, hit, read float64
}

// Scrape implements collectors.Scraper.
func (s *statStatements) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, statStatementsQuery, s.limit)
	if err != nil {
		return statementsError("scrape pg_stat_statements", err)
	}
	var top []statementRow
	for rows.Next() {
		var r statementRow
		if err := rows.Scan(&r.key.datname, &r.key.queryid, &r.calls, &r.seconds, &r.rows, &r.hit, &r.read); err != nil {
			rows.Close()
			return statementsError("scrape pg_stat_statements", err)
		}
		top = append(top, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return statementsError("scrape pg_stat_statements", err)
	}
	texts, err := s.queryTexts(ctx, pool, top)
	if err != nil {
		return err
	}
	for _, r := range top {
		lv := []string{r.key.datname, strconv.FormatInt(r.key.queryid, 10), texts[r.key]}
		for _, m := range []struct {
			name string
			v    float64
		}{
			{statementsCalls.Name, r.calls},
			{statementsSeconds.Name, r.seconds},
			{statementsRows.Name, r.rows},
			{statementsBlocksHit.Name, r.hit},
			{statementsBlocksRead.Name, r.read},
		} {
			if err := e.Emit(m.name, m.v, lv...); err != nil {
				return fmt.Errorf("scrape pg_stat_statements: %w", err)
			}
		}
	}
	return nil
}

// queryTexts returns the normalized text of every top statement, reading only the ones not
// cached from the previous scrape, and keeps only these in the cache.
func (s *statStatements) queryTexts(ctx context.Context, pool *pgxpool.Pool, top []statementRow) (map[statementKey]string, error) {
	s.mu.Lock()
	texts := make(map[statementKey]string, len(top))
	var missing []int64
	wanted := map[statementKey]bool{}
	for _, r := range top {
		if t, ok := s.texts[r.key]; ok {
			texts[r.key] = t
		} else {
			missing = append(missing, r.key.queryid)
			wanted[r.key] = true
		}
	}
	s.mu.Unlock()
	if len(missing) > 0 {
		// Read a few times the label length: whitespace collapses when normalized.
		rows, err := pool.Query(ctx, statStatementsTextQuery, missing, 4*s.queryLen)
		if err != nil {
			return nil, statementsError("scrape pg_stat_statements", err)
		}
		for rows.Next() {
			var k statementKey
			var q string
			if err := rows.Scan(&k.datname, &k.queryid, &q); err != nil {
				rows.Close()
				return nil, statementsError("scrape pg_stat_statements", err)
			}
			if wanted[k] {
				texts[k] = NormalizeQuery(q, s.queryLen)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, statementsError("scrape pg_stat_statements", err)
		}
	}
	s.mu.Lock()
	s.texts = texts
	s.mu.Unlock()
	return texts, nil
}

// statementsError explains the errors that mean the extension is not usable.
func statementsError(op string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "42883", "42P01": // undefined_function, undefined_table
			return fmt.Errorf("%s: the extension is not installed in this database: "+
				"add pg_stat_statements to shared_preload_libraries, restart, and run CREATE EXTENSION pg_stat_statements: %w", op, err)
		case "55000": // object_not_in_prerequisite_state
			return fmt.Errorf("%s: the library is not loaded: "+
				"add pg_stat_statements to shared_preload_libraries and restart the server: %w", op, err)
		case "42703": // undefined_column
			return fmt.Errorf("%s: needs PostgreSQL 13 or later (pg_stat_statements 1.8+): %w", op, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// NormalizeQuery makes a query text safe to show and short: secrets masked and literals made
// "?" (pg_stat_statements replaces constants with $1, $2, ... but keeps utility statements
// such as ALTER ROLE ... PASSWORD verbatim), whitespace collapsed, truncated to at most n
// runes with "..." at the end of a cut text.
func NormalizeQuery(q string, n int) string {
	const mark = "..."
	out := querytext.SQL(q, querytext.PostgreSQL)
	if utf8.RuneCountInString(out) <= n {
		return out
	}
	rs := []rune(out)[:max(n-len(mark), 0)]
	return strings.TrimRight(string(rs), " ") + mark
}
