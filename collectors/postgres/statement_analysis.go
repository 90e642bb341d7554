package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/collectors"
)

// counters are one statement's cumulative pg_stat_statements numbers.
type counters struct {
	calls, seconds, rows, hit, read, temp float64
}

const analysisQuery = `SELECT d.datname, s.queryid, sum(s.calls)::float8, sum(s.total_exec_time)::float8 / 1000,
  sum(s.rows)::float8, sum(s.shared_blks_hit)::float8, sum(s.shared_blks_read)::float8, sum(s.temp_blks_written)::float8
FROM pg_stat_statements(false) s JOIN pg_database d ON d.oid = s.dbid
WHERE s.queryid IS NOT NULL
GROUP BY d.datname, s.queryid`

func (c *Collector) snapshot(ctx context.Context) (map[statementKey]counters, error) {
	rows, err := c.pool.Query(ctx, analysisQuery)
	if err != nil {
		return nil, statementsError("analysis: read pg_stat_statements", err)
	}
	defer rows.Close()
	out := map[statementKey]counters{}
	for rows.Next() {
		var k statementKey
		var n counters
		if err := rows.Scan(&k.datname, &k.queryid, &n.calls, &n.seconds, &n.rows, &n.hit, &n.read, &n.temp); err != nil {
			return nil, fmt.Errorf("analysis: read pg_stat_statements: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// markStatements remembers every statement's counters now.
func (c *Collector) markStatements(ctx context.Context) error {
	snap, err := c.snapshot(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.mark, c.markedAt = snap, time.Now()
	c.mu.Unlock()
	return nil
}

// harnessStatement says whether a statement is the harness's own (its scrapers, this
// analysis, the drivers' session set-up), which findings leave out.
var harnessStatement = regexp.MustCompile(`(?i)\bpg_(?:stat|locks\b|replication_slots\b|class\b|current_wal|current_snapshot|is_in_recovery|last_wal|read_file|backend_pid|wal_lsn_diff)|\bpg_catalog\.|\bpg_database\b|\bpg_settings\b|^\s*(?:explain|prepare|deallocate|set|reset|show|begin|commit|rollback|discard|select \$1|select 1)\b`)

type delta struct {
	key  statementKey
	n    counters
	text string // raw, as pg_stat_statements keeps it (for EXPLAIN)
}

// analyzeStatements reports the statements that took the most execution time since Mark
// (since the collector opened without a Mark), the shape of their plans, and the tables
// they scan whole.
func (c *Collector) analyzeStatements(ctx context.Context) ([]collectors.Finding, error) {
	now, err := c.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	mark, since := c.mark, c.markedAt
	c.mu.Unlock()
	var all []delta
	totalSeconds := 0.0
	for k, n := range now {
		d := n
		if m, ok := mark[k]; ok && n.calls >= m.calls {
			d = counters{n.calls - m.calls, n.seconds - m.seconds, n.rows - m.rows, n.hit - m.hit, n.read - m.read, n.temp - m.temp}
		}
		if d.calls > 0 {
			all = append(all, delta{key: k, n: d})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n.seconds != all[j].n.seconds {
			return all[i].n.seconds > all[j].n.seconds
		}
		return all[i].key.queryid < all[j].key.queryid
	})
	// Texts for the heaviest statements only: the harness's own are dropped after reading.
	head := all[:min(len(all), 5*analyzedStatements)]
	texts, err := c.rawTexts(ctx, head)
	if err != nil {
		return nil, err
	}
	var top []delta
	for _, d := range all {
		text, ok := texts[d.key]
		if ok && harnessStatement.MatchString(text) {
			continue
		}
		totalSeconds += d.n.seconds
		if ok && len(top) < analyzedStatements {
			d.text = text
			top = append(top, d)
		}
	}
	window := "since the collector opened"
	if !since.IsZero() {
		window = fmt.Sprintf("in the %s since the load started", time.Since(since).Round(time.Millisecond))
	}
	method := fmt.Sprintf("pg_stat_statements deltas %s, the top %d of %d statements by execution time; the harness's own statements left out", window, len(top), len(all))
	var out []collectors.Finding
	scans := map[string]*collectors.Finding{}
	for _, d := range top {
		query := NormalizeQuery(d.text, topStatementsTextLen)
		f := slowQuery(d, query, totalSeconds, method)
		out = append(out, f)
		if !explainable.MatchString(d.text) {
			continue // a utility statement has no plan
		}
		plan, err := c.explain(ctx, d)
		if err != nil {
			reason := fmt.Sprintf("the plan of %s could not be read: %v", shorten(query, 80), err)
			out = append(out, collectors.Gap(KindPlan, reason), collectors.Gap(KindFullScan, reason))
			continue
		}
		shape, nodes, seq := plan.shape()
		out = append(out, collectors.Finding{Kind: KindPlan, Subject: query, Summary: shape,
			Method: "EXPLAIN (FORMAT JSON) of the generic plan (plan_cache_mode = force_generic_plan)",
			Values: map[string]float64{"nodes": float64(nodes), "full_scans": float64(len(seq))}})
		for _, table := range seq {
			s, ok := scans[table]
			if !ok {
				s = &collectors.Finding{Kind: KindFullScan, Subject: table, Values: map[string]float64{},
					Method: "Seq Scan nodes in the generic plans of the slow statements"}
				scans[table] = s
			}
			s.Values["statements"]++
			s.Values["calls"] += d.n.calls
			s.Summary = fmt.Sprintf("%s is read by sequential scan in %g slow statement(s) (%g calls), e.g. %s", table, s.Values["statements"], s.Values["calls"], shorten(query, 80))
		}
	}
	for _, table := range slices.Sorted(maps.Keys(scans)) {
		out = append(out, *scans[table])
	}
	return out, nil
}

func slowQuery(d delta, query string, totalSeconds float64, method string) collectors.Finding {
	n := d.n
	v := map[string]float64{
		"calls": n.calls, "total_seconds": n.seconds, "mean_seconds": n.seconds / n.calls,
		"rows_per_call": n.rows / n.calls, "blocks_hit": n.hit, "blocks_read": n.read, "temp_blocks_written": n.temp,
	}
	if totalSeconds > 0 {
		v["share_of_time"] = n.seconds / totalSeconds
	}
	if n.hit+n.read > 0 {
		v["cache_hit_ratio"] = n.hit / (n.hit + n.read)
	}
	summary := fmt.Sprintf("%g calls, mean %s, %s in all (%.0f%% of the statements' time), %.1f rows per call",
		n.calls, seconds(n.seconds/n.calls), seconds(n.seconds), 100*v["share_of_time"], v["rows_per_call"])
	if n.temp > 0 {
		summary += fmt.Sprintf(", %g temp blocks written", n.temp)
	}
	return collectors.Finding{Kind: KindSlowQuery, Subject: query, Summary: summary, Method: method, Values: v}
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// rawTexts reads the query texts of the given statements as pg_stat_statements keeps them.
func (c *Collector) rawTexts(ctx context.Context, ds []delta) (map[statementKey]string, error) {
	out := map[statementKey]string{}
	if len(ds) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.key.queryid
	}
	rows, err := c.pool.Query(ctx, statStatementsTextQuery, ids, 2*topStatementsTextLen)
	if err != nil {
		return nil, statementsError("analysis: read statement texts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k statementKey
		var text string
		if err := rows.Scan(&k.datname, &k.queryid, &text); err != nil {
			return nil, fmt.Errorf("analysis: read statement texts: %w", err)
		}
		out[k] = text
	}
	return out, rows.Err()
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// explainable statements are those EXPLAIN takes (and never runs without ANALYZE).
var explainable = regexp.MustCompile(`(?is)^\s*(?:select|insert|update|delete|with|values|table)\b`)

// explain returns the generic plan of a statement: prepared with its $n parameters and
// explained with NULLs for them, which the generic plan never looks at.
func (c *Collector) explain(ctx context.Context, d delta) (*planNode, error) {
	if len(d.text) >= 2*topStatementsTextLen {
		return nil, errors.New("the statement's text is cut short by pg_stat_statements")
	}
	conn, err := c.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	var dbname string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&dbname); err != nil {
		return nil, err
	}
	if dbname != d.key.datname {
		return nil, fmt.Errorf("the statement ran in database %s, the collector is connected to %s", d.key.datname, dbname)
	}
	params := 0
	for _, m := range placeholder.FindAllStringSubmatch(d.text, -1) {
		n, _ := strconv.Atoi(m[1])
		params = max(params, n)
	}
	nulls := strings.TrimSuffix(strings.Repeat("NULL, ", params), ", ")
	exec := "EXPLAIN (FORMAT JSON) EXECUTE dbharness_explain"
	if params > 0 {
		exec += "(" + nulls + ")"
	}
	// Note: in one transaction, rolled back, so the setting never outlives the explain on the
	// pool's connection; PREPARE is not transactional, so the statement is deallocated after.
	// The simple protocol keeps the $n of the text the PREPARE's own.
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan", pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		// The explain is the harness's own: keep it out of pg_stat_statements where the
		// role may (a superuser); elsewhere the analysis leaves PREPAREs out by their text.
		if _, e := tx.Exec(ctx, "SAVEPOINT track; SET LOCAL pg_stat_statements.track = 'none'", pgx.QueryExecModeSimpleProtocol); e != nil {
			_, _ = tx.Exec(ctx, "ROLLBACK TO SAVEPOINT track", pgx.QueryExecModeSimpleProtocol)
		}
	}
	prepared := false
	if err == nil {
		if _, err = tx.Exec(ctx, "PREPARE dbharness_explain AS "+d.text, pgx.QueryExecModeSimpleProtocol); err != nil {
			err = fmt.Errorf("PREPARE: %s", firstLine(err.Error()))
		}
		prepared = err == nil
	}
	var raw []byte
	if err == nil {
		if err = tx.QueryRow(ctx, exec, pgx.QueryExecModeSimpleProtocol).Scan(&raw); err != nil {
			err = fmt.Errorf("EXPLAIN: %s", firstLine(err.Error()))
		}
	}
	_ = tx.Rollback(context.WithoutCancel(ctx))
	if prepared {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "DEALLOCATE dbharness_explain", pgx.QueryExecModeSimpleProtocol)
	}
	if err != nil {
		return nil, err
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) == 0 {
		return nil, fmt.Errorf("EXPLAIN answered something else than a plan: %v", err)
	}
	return &plans[0].Plan, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// planNode is one node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Operation string     `json:"Operation"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	JoinType  string     `json:"Join Type"`
	Plans     []planNode `json:"Plans"`
}

// shape is the plan without its costs, as one line ("Update on accounts > Index Scan using
// accounts_pkey on accounts"), with the number of nodes and the tables scanned whole.
func (p *planNode) shape() (string, int, []string) {
	var seq []string
	nodes := 0
	var walk func(n *planNode) string
	walk = func(n *planNode) string {
		nodes++
		s := n.NodeType
		if n.JoinType != "" && n.JoinType != "Inner" {
			s = n.JoinType + " " + s
		}
		if n.Index != "" {
			s += " using " + n.Index
		}
		if n.Relation != "" {
			s += " on " + n.Relation
		}
		if n.NodeType == "Seq Scan" && n.Relation != "" && !slices.Contains(seq, n.Relation) {
			seq = append(seq, n.Relation)
		}
		if len(n.Plans) == 0 {
			return s
		}
		kids := make([]string, len(n.Plans))
		for i := range n.Plans {
			kids[i] = walk(&n.Plans[i])
		}
		if len(kids) == 1 {
			return s + " > " + kids[0]
		}
		return s + " > (" + strings.Join(kids, ", ") + ")"
	}
	return walk(p), nodes, seq
}
