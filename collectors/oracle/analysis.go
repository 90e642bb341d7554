package oracle

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

var (
	_ collectors.Analyzer     = (*Collector)(nil)
	_ collectors.LoadAnalyzer = (*Collector)(nil)
)

// analyzedStatements is how many statements Analyze reports and reads the plans of.
const analyzedStatements = 10

// mark is what Mark remembers.
type mark struct {
	at      time.Time
	sql     map[sqlKey]sqlStat
	clock   clock
	ash     bool            // ASH may be used for this window
	ashWhy  string          // why not, when not
	sampler *sessionSampler // the v$session_event fallback, when not
	awr     int64           // the AWR snapshot taken at the mark, 0 for none
	awrWhy  string          // why none was taken
	dead    deadlockMark    // where the load's deadlocks start
}

// allSQLQuery is every statement's numbers, for Mark and Analyze (sqlStatsQuery without
// the window).
const allSQLQuery = `SELECT inst_id, sql_id, plan_hash_value, executions, elapsed_time, cpu_time, buffer_gets,
  disk_reads, rows_processed, user_io_wait_time, concurrency_wait_time, application_wait_time, cluster_wait_time,
  SUBSTR(sql_text, 1, 1000) AS sql_text
FROM gv$sqlstats`

func (c *Collector) readAllSQL(ctx context.Context) (map[sqlKey]sqlStat, error) {
	rows, err := answer.Query(ctx, c.db, allSQLQuery)
	if err != nil {
		return nil, fmt.Errorf("analysis: read gv$sqlstats: %w%s", err, oracle.GrantHint(err))
	}
	stats, err := parseSQLStats(rows)
	if err != nil {
		return nil, fmt.Errorf("analysis: gv$sqlstats: %w", err)
	}
	out := make(map[sqlKey]sqlStat, len(stats))
	for _, s := range stats {
		out[s.key] = s
	}
	return out, nil
}

// Mark remembers every statement's numbers and the server's clock, and starts watching
// the load's waits: through ASH where the Diagnostics Pack may be used, else by polling
// v$session_event.
func (c *Collector) Mark(ctx context.Context) error {
	sqls, err := c.readAllSQL(ctx)
	if err != nil {
		return err
	}
	clk, err := readClock(ctx, c.db)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	m := &mark{at: time.Now(), sql: sqls, clock: clk, dead: markDeadlocks(ctx, c.db, clk)}
	if err := c.pack.Diagnostics(ctx, c.db); err != nil {
		m.ashWhy, m.awrWhy = err.Error(), err.Error()
		m.sampler = startSessionSampler(c.db, c.program, c.pollEvery)
	} else {
		m.ash = true
		if m.awr, err = takeSnapshot(ctx, c.db); err != nil {
			m.awrWhy = "the AWR snapshot at the mark failed: " + err.Error() + " (the user needs EXECUTE on DBMS_WORKLOAD_REPOSITORY)"
		}
	}
	c.mu.Lock()
	old := c.mark
	c.mark = m
	c.mu.Unlock()
	if old != nil && old.sampler != nil {
		old.sampler.finish()
	}
	return nil
}

// Analyze reports what happened since Mark (since the collector opened without one) with
// no load to line the waits up with.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	return c.analyze(ctx, nil)
}

// AnalyzeLoad is Analyze with the load's intervals: the waits are lined up with each
// operation's latency.
func (c *Collector) AnalyzeLoad(ctx context.Context, load collectors.LoadWindow) ([]collectors.Finding, error) {
	return c.analyze(ctx, &load)
}

func (c *Collector) analyze(ctx context.Context, load *collectors.LoadWindow) ([]collectors.Finding, error) {
	now, err := c.readAllSQL(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	m := c.mark
	c.mark = nil
	c.mu.Unlock()
	if m == nil {
		m = &mark{at: c.opened}
	}
	points, waitM, waitGap := c.waits(ctx, m)
	top, total := topStatements(m.sql, now, analyzedStatements)
	window := fmt.Sprintf("in the %s since the load started", time.Since(m.at).Round(time.Millisecond))
	if m.sql == nil {
		window = "since the collector opened"
	}
	method := fmt.Sprintf("gv$sqlstats deltas %s, the top %d statements by elapsed time; the harness's own statements left out", window, len(top))
	var out []collectors.Finding
	shares := sqlWaitShares(points)
	for _, st := range top {
		out = append(out, slowQueryFinding(st, total, shares[st.sqlID], method))
	}
	out = append(out, c.planFindings(ctx, top)...)
	if waitGap != "" {
		out = append(out, collectors.Gap(KindWaitEvent, waitGap), collectors.Gap(KindWaitCorrelation, waitGap))
	} else {
		out = append(out, waitEventFindings(points, waitM, 10)...)
		if load != nil {
			out = append(out, correlate(*load, points, waitM)...)
		} else {
			out = append(out, collectors.Gap(KindWaitCorrelation, "the analysis ran without a load to line the waits up with"))
		}
	}
	switch {
	case m.awr > 0:
		out = append(out, c.awrFinding(ctx, m.awr))
	case m.awrWhy != "":
		out = append(out, collectors.Gap(KindAWR, m.awrWhy))
	default:
		out = append(out, collectors.Gap(KindAWR, "no load was marked: the AWR window is the load's"))
	}
	if m.sql != nil {
		out = append(out, deadlockFindings(ctx, c.db, m.dead)...)
	} else {
		out = append(out, collectors.Gap(KindDeadlock, "no load was marked: the deadlocks are the load's"))
	}
	if c.conf.SegmentAdvisor {
		out = append(out, runSegmentAdvisor(ctx, c.db)...)
	}
	return out, nil
}

// waits are the load's wait points since the mark, how they were gathered, or why none
// could be.
func (c *Collector) waits(ctx context.Context, m *mark) ([]waitPoint, waitMethod, string) {
	switch {
	case m.ash:
		points, err := readASH(ctx, c.db, m.clock, c.program)
		if err != nil {
			return nil, waitMethod{}, "ASH could not be read: " + err.Error()
		}
		return points, waitMethod{name: "ASH", detail: "ASH samples (gv$active_session_history) of the load's sessions since the load started, one second each"}, ""
	case m.sampler != nil:
		points, err := m.sampler.finish()
		if err != nil {
			return nil, waitMethod{}, "v$session_event could not be read: " + err.Error()
		}
		return points, waitMethod{name: "v$session_event", detail: "v$session_event and v$sess_time_model deltas of the load's sessions, polled every second (ASH is not used: " + m.ashWhy + ")"}, ""
	}
	return nil, waitMethod{}, "no load was marked: the waits are watched from the start of a load"
}

// A statementDelta is one statement's numbers since the mark, summed over instances and
// plans, with each plan's own elapsed time and executions.
type statementDelta struct {
	sqlID string
	text  string
	v     []float64 // in sqlColumns' order
	plans map[string][2]float64
	keys  []sqlKey
}

// topStatements are the n statements with the most elapsed time between the two readings,
// and the elapsed time of all statements. A statement absent at the mark is new since; one
// whose counters went down (reloaded) counts from its reload.
func topStatements(before, after map[sqlKey]sqlStat, n int) ([]*statementDelta, float64) {
	byID := map[string]*statementDelta{}
	total := 0.0
	for k, cur := range after {
		d := append([]float64(nil), cur.values...)
		if prev, ok := before[k]; ok && !decreased(prev.values, cur.values) {
			for i := range d {
				d[i] -= prev.values[i]
			}
		}
		if d[0] <= 0 && d[1] <= 0 {
			continue
		}
		sd, ok := byID[k.sqlID]
		if !ok {
			sd = &statementDelta{sqlID: k.sqlID, text: cur.text, v: make([]float64, len(d)), plans: map[string][2]float64{}}
			byID[k.sqlID] = sd
		}
		for i := range d {
			sd.v[i] += d[i]
		}
		p := sd.plans[k.plan]
		sd.plans[k.plan] = [2]float64{p[0] + d[1], p[1] + d[0]}
		sd.keys = append(sd.keys, k)
		total += d[1]
	}
	all := make([]*statementDelta, 0, len(byID))
	for _, sd := range byID {
		all = append(all, sd)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v[1] != all[j].v[1] {
			return all[i].v[1] > all[j].v[1]
		}
		return all[i].sqlID < all[j].sqlID
	})
	return all[:min(len(all), n)], total * 1e-6
}

// slowQueryFinding describes one top statement.
func slowQueryFinding(st *statementDelta, total float64, shares map[string]float64, method string) collectors.Finding {
	execs, elapsed := st.v[0], st.v[1]*1e-6
	v := map[string]float64{
		"executions": execs, "elapsed_seconds": elapsed, "cpu_seconds": st.v[2] * 1e-6, "disk_reads": st.v[4],
		"user_io_wait_seconds": st.v[6] * 1e-6, "concurrency_wait_seconds": st.v[7] * 1e-6,
		"application_wait_seconds": st.v[8] * 1e-6, "cluster_wait_seconds": st.v[9] * 1e-6, "plans": float64(len(st.plans)),
	}
	if execs > 0 {
		v["mean_seconds"] = elapsed / execs
		v["buffer_gets_per_execution"] = st.v[3] / execs
		v["rows_per_execution"] = st.v[5] / execs
	}
	if total > 0 {
		v["share_of_time"] = elapsed / total
	}
	for k, s := range shares {
		v[k] = s
	}
	summary := fmt.Sprintf("%g executions, mean %s, %s in all (%.0f%% of the statements' time), %.1f buffer gets and %.1f rows per execution",
		execs, seconds(v["mean_seconds"]), seconds(elapsed), 100*v["share_of_time"], v["buffer_gets_per_execution"], v["rows_per_execution"])
	if waits := waitShareText(shares); waits != "" {
		summary += "; ASH: " + waits
	}
	return collectors.Finding{Kind: KindSlowQuery, Subject: NormalizeSQL(st.text, 2000), Summary: summary, Method: method, Values: v}
}

// waitShareText writes a statement's ASH shares, largest first: "62% commit, 30% cpu".
func waitShareText(shares map[string]float64) string {
	type kv struct {
		k string
		v float64
	}
	var list []kv
	for k, v := range shares {
		list = append(list, kv{strings.TrimSuffix(strings.TrimPrefix(k, "ash_"), "_share"), v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v || list[i].v == list[j].v && list[i].k < list[j].k })
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = fmt.Sprintf("%.0f%% %s", 100*e.v, e.k)
	}
	return strings.Join(parts, ", ")
}

// Close stops the waits' sampler, if one runs, and closes the collector.
func (c *Collector) Close() error {
	c.mu.Lock()
	m := c.mark
	c.mark = nil
	c.mu.Unlock()
	if m != nil && m.sampler != nil {
		m.sampler.finish()
	}
	return c.Exporter.Close()
}
