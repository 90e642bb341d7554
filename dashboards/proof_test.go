package dashboards_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/common/model"

	"github.com/dbharness/dbharness/cli"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/dashboards"
	"github.com/dbharness/dbharness/dashboards/promtest"
	"github.com/dbharness/dbharness/engines/mysql/mysqltest"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/engines/redis/redistest"
)

// lines is an io.Writer that keeps what was written, safe for concurrent use.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

var servingRE = regexp.MustCompile(`on http://([0-9.:]+)/metrics`)

// command runs a dbharness command in this process until the test ends (or it returns) and
// returns the address it says it serves metrics on.
func command(t *testing.T, ctx context.Context, args ...string) (addr string, done <-chan error, out *lines) {
	t.Helper()
	out = &lines{}
	ch := make(chan error, 1)
	go func() { ch <- cli.Run(ctx, args, out, out) }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := servingRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], ch, out
		}
		select {
		case err := <-ch:
			t.Fatalf("dbharness %s ended before serving metrics: %v\n%s", strings.Join(args, " "), err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("dbharness %s serves no metrics after 2 minutes:\n%s", strings.Join(args, " "), out)
	return "", nil, nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := native.FreePort(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// proofWindow replaces Grafana's variables: every variable matches everything, and the rate
// window is a minute (four times Grafana's minimum at a 1s scrape, and long enough to span
// the run's scenarios).
func proofExpr(q string) string {
	q = strings.ReplaceAll(q, dashboards.GrafanaWindow, "1m")
	return regexp.MustCompile(`\$[a-z_]+`).ReplaceAllString(q, ".*")
}

// evaluation is one expression to prove, and where it comes from.
type evaluation struct {
	where, expr string
	metrics     []string
}

// TestDashboardsAndRulesShowRealData scrapes `dbharness collect` for PostgreSQL, a Redis
// cluster, and a MariaDB primary with a replica, a `dbharness
// run` of the quickstart features and `dbharness load` on the cluster and MariaDB with a
// real Prometheus, then evaluates every panel's query and every rule's
// expression through Prometheus's HTTP API: each must parse and return data.
func TestDashboardsAndRulesShowRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, a Redis cluster, MariaDB and Prometheus")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pg := pgtest.Start(t)
	cluster := redistest.Cluster(t, map[string]string{"slowlog-log-slower-than": "0"})
	// Note: MySQL with a replica, so the replication panels have a replica to show.
	my := mysqltest.Replicated(t, 1)
	pgAddr, _, _ := command(t, ctx, "collect", "--engine", "postgresql", "--dsn", pg.DSN(), "--listen", "127.0.0.1:0")
	redisAddr, _, _ := command(t, ctx, "collect", "--engine", "redis", "--dsn", cluster.DSN(), "--listen", "127.0.0.1:0")
	myAddr, _, _ := command(t, ctx, "collect", "--engine", "mysql", "--dsn", my.DSN(), "--listen", "127.0.0.1:0")
	runAddr, loadAddr, myLoadAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	prom := promtest.Start(t, map[string][]string{"collect-postgresql": {pgAddr}, "collect-redis": {redisAddr}, "collect-mysql": {myAddr}, "run": {runAddr}, "load": {loadAddr, myLoadAddr}})

	start := time.Now()
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	// The collector keeps its own statements out of pg_stat_statements, so the statement
	// panels need a client of the server's: one that queries every 100ms during the run.
	pgClientDone := make(chan struct{})
	go func() {
		defer close(pgClientDone)
		c, err := pgx.Connect(loadCtx, pg.DSN())
		if err != nil {
			t.Errorf("connect a client to the proof's PostgreSQL: %v", err)
			return
		}
		defer c.Close(context.Background())
		for loadCtx.Err() == nil {
			_, _ = c.Exec(loadCtx, "SELECT count(*) FROM pg_class")
			time.Sleep(100 * time.Millisecond)
		}
	}()
	_, loadDone, loadOut := command(t, loadCtx, "load", "--engine", "redis", "--provider", "external", "--dsn", cluster.DSN(),
		"--workload", "get-set", "--scale", "1", "--vus", "2", "--duration", "3m", "--out", "", "--metrics-listen", loadAddr)
	_, myLoadDone, _ := command(t, loadCtx, "load", "--engine", "mysql", "--provider", "external", "--dsn", my.DSN(),
		"--workload", "oltp_point_select", "--dataset", "sysbench", "--scale", "1", "--vus", "1", "--duration", "3m", "--out", "",
		"--metrics-listen", myLoadAddr)
	workdir := workDir(t)
	runOutDir := t.TempDir()
	_, runDone, runOut := command(t, ctx, "run", "../features/quickstart", "--provider", "native", "--workdir", workdir,
		"--out", runOutDir, "--no-colors", "--metrics-listen", runAddr)
	if err := <-runDone; err != nil {
		t.Logf("dbharness run: %v (the proof needs its metrics, not its verdicts)\n%s", err, runOut)
	}
	runEnd := time.Now()
	stopLoad()
	<-loadDone
	<-pgClientDone
	<-myLoadDone
	if pids := native.ProcessesUnder(workdir); len(pids) > 0 {
		t.Errorf("the run left processes behind: %v", pids)
	}
	// Note: the run's /metrics is gone once it exits; everything is evaluated up to the last
	// scrape that reached it, so its series are still fresh there.
	at := lastUp(t, prom, "run")
	_ = loadOut

	set := dashboards.NewSet(scenarios(t))
	var evals []evaluation
	notProven := map[string]int{}
	for _, d := range set.Dashboards {
		for _, r := range d.Rows {
			for _, p := range r.Panels {
				if d.Name == "dbharness-scenarios" {
					continue // its panels are the checks', proven below
				}
				for _, q := range p.Queries {
					db := unproven(q.Expr.Metrics())
					if own := strings.TrimPrefix(d.Name, "dbharness-"); slices.Contains(catalog.Databases(), own) && !proven[own] {
						db = own // its harness panels are filtered to that database
					}
					if db != "" {
						notProven[db]++
						continue
					}
					evals = append(evals, evaluation{where: fmt.Sprintf("dashboard %s, panel %q", d.Name, p.Title),
						expr: q.Expr.PromQL(dashboards.GrafanaWindow), metrics: q.Expr.Metrics()})
				}
			}
		}
		if d.LoadMarks {
			e := dashboards.LoadMarksExpr()
			evals = append(evals, evaluation{where: fmt.Sprintf("dashboard %s, annotation", d.Name), expr: e.PromQL(dashboards.GrafanaWindow), metrics: e.Metrics()})
		}
	}
	evals = append(evals, rebound(t, set.Checks, notProven)...)
	panels := len(evals)
	// Note: Prometheus here loads no rules, so a rule's recorded series are written out as
	// the expressions that record them; a scenario's rule reads what its panel reads.
	rules := dashboards.Rules(set)
	recorded := map[string]string{}
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = "(" + r.Expr + ")"
		}
	}
	inline := func(q string) string {
		for name, expr := range recorded {
			// a range over a recorded series becomes a subquery of its expression
			q = regexp.MustCompile(regexp.QuoteMeta(name)+`\[(\w+)\]`).ReplaceAllString(q, expr+"[${1}:1m]")
			q = regexp.MustCompile(regexp.QuoteMeta(name)+` offset (\w+)`).ReplaceAllString(q, "last_over_time("+expr+"[1m:1m] offset ${1})")
			q = strings.ReplaceAll(q, name, expr)
		}
		return q
	}
	valid := 0
	for _, r := range rules {
		name := r.Record + r.Alert
		if r.Group == "dbharness-scenarios" {
			continue // their values are the scenario checks above
		}
		if db := strings.TrimSuffix(strings.TrimPrefix(r.Group, "dbharness-"), "-anomalies"); slices.Contains(catalog.Databases(), db) && !proven[db] {
			notProven[db]++
			continue
		}
		evals = append(evals, evaluation{where: "rule " + name + " (its value)", expr: inline(r.Value)})
		if _, err := prom.Query(ctx, inline(r.Expr), at); err != nil {
			t.Errorf("rule %s: invalid expression: %v\n  %s", name, err, r.Expr)
		}
		valid++
	}
	failed := 0
	var shown []evaluation // the panels and checks with data here, for the run's folder
	for i, e := range evals {
		if err := prove(ctx, prom, proofExpr(e.expr), start, at); err != nil {
			failed++
			t.Errorf("%s (metrics %s): %v\n  %s", e.where, strings.Join(e.metrics, ", "), err, e.expr)
		} else if i < panels {
			shown = append(shown, e)
		}
	}
	t.Logf("%d panel, annotation and scenario check queries of %d dashboards and the values of %d rules evaluated against Prometheus (%d rule expressions parsed), %d failed",
		panels, len(set.Dashboards), len(evals)-panels, valid, failed)
	for _, db := range slices.Sorted(maps.Keys(notProven)) {
		t.Logf("not proven here: %d queries, checks and rules of %s, a database the proof does not start", notProven[db], db)
	}

	proveOnTSDB(t, ctx, filepath.Join(runOutDir, "tsdb"), shown, start, runEnd)
}

// proveOnTSDB opens the finished run's TSDB folder with a second Prometheus, as a user
// does after a soak run, and evaluates there the dashboards' queries that showed data live:
// every one whose metrics the run recorded (twice at least) must return data, and the
// overview, the correlation and each quickstart database's dashboard must have such
// queries. (The live proof above also scraped `collect` on a Redis cluster; the run's folder
// has only what its own scenarios sampled, so a query of a metric the run never saw is left
// out, and named.)
func proveOnTSDB(t *testing.T, ctx context.Context, dir string, evals []evaluation, start, end time.Time) {
	t.Helper()
	prom := promtest.Open(t, dir)
	window := end.Sub(start).Truncate(time.Second) + time.Minute
	recorded := func(metric string) (bool, error) {
		// a histogram's metric is recorded as its _bucket, _sum and _count series
		for _, suffix := range []string{"", "_count"} {
			// twice at least: a rate needs two samples (a counter first seen at the end has one)
			got, err := prom.Query(ctx, fmt.Sprintf(`max(count_over_time(%s[%s])) >= 2`, metric+suffix, model.Duration(window)), end)
			if err != nil || len(got) > 0 {
				return err == nil, err
			}
		}
		return false, nil
	}
	withData := map[string]int{} // dashboard name (or scenario checks): queries with data
	var absent []string
	failed := 0
	for _, e := range evals {
		all := len(e.metrics) > 0
		for _, m := range e.metrics {
			ok, err := recorded(m)
			if err != nil {
				t.Fatalf("the run's TSDB: is %s recorded: %v", m, err)
			}
			all = all && ok
		}
		if !all {
			absent = append(absent, e.where)
			continue
		}
		if err := prove(ctx, prom, proofExpr(e.expr), start, end); err != nil {
			failed++
			t.Errorf("the run's TSDB folder: %s (metrics %s): %v\n  %s", e.where, strings.Join(e.metrics, ", "), err, e.expr)
			continue
		}
		key := "scenario checks"
		if !strings.HasPrefix(e.where, "scenario check") {
			key = strings.SplitN(strings.TrimPrefix(e.where, "dashboard "), ",", 2)[0]
		}
		withData[key]++
	}
	for _, d := range []string{"dbharness-overview", "dbharness-correlation", "dbharness-postgresql", "dbharness-redis"} {
		if withData[d] == 0 {
			t.Errorf("the run's TSDB folder: no query of dashboard %s returned data (with data: %v)", d, withData)
		}
	}
	t.Logf("the run's TSDB folder: %d queries returned data %v, %d failed, %d read a metric the run did not record: %s",
		len(evals)-len(absent)-failed, withData, failed, len(absent), strings.Join(absent, "; "))
}

// proven are the databases the proof starts and scrapes (and the harness's own metrics);
// the panels, rules and scenario checks of the others (databases that run where Docker is,
// or that need servers of their own) are counted as not proven here, not failed.
// Note: MongoDB is left out for now: embedded FerretDB in the quickstart run, scraped while
// CRUD ran under -race on a starved machine, stalled until its stop timed out.
var proven = map[string]bool{"postgresql": true, "redis": true, "mysql": true, "dbharness": true}

// unproven is the database of the first metric the proof has no server for, or "".
func unproven(metrics []string) string {
	for _, name := range metrics {
		if m, ok := catalog.Lookup(name); ok && !proven[m.Database] {
			return m.Database
		}
	}
	return ""
}

// workDir is a folder for the run's servers that the postgres user can reach.
func workDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "dbharness-proof-work-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// rebound are the scenario checks: those of the quickstart features as they are, the others
// (of features the proof does not run) each on a
// quickstart scenario of the same database: the scenario and operation matchers are the only
// part that differs from the panel and rule.
func rebound(t *testing.T, checks []dashboards.Check, notProven map[string]int) []evaluation {
	ran := map[string][]dashboards.Matcher{} // database: matchers of a quickstart check with an operation
	for _, c := range checks {
		if strings.Contains(c.Scenario.URI, "quickstart") && c.Threshold.Operation != "" {
			ran[c.Scenario.Database] = c.Expr.Match
		}
	}
	var out []evaluation
	for _, c := range checks {
		if !proven[c.Scenario.Database] {
			notProven[c.Scenario.Database]++
			continue
		}
		if strings.Contains(c.Scenario.URI, "quickstart") {
			out = append(out, evaluation{where: fmt.Sprintf("scenario check %q of %s (%s)", c.Threshold, c.Scenario.Name, c.Scenario.URI),
				expr: c.Expr.PromQL(dashboards.GrafanaWindow), metrics: c.Expr.Metrics()})
			continue
		}
		ms, ok := ran[c.Scenario.Database]
		if !ok {
			t.Errorf("%s: %s: no quickstart scenario runs %s to prove %s on", c.Scenario.URI, c.Scenario.Name, c.Scenario.Database, c.Threshold)
			continue
		}
		e := c.Expr
		e.Match = ms
		if c.Threshold.Operation == "" {
			e.Match = ms[:1] // the scenario only
		}
		out = append(out, evaluation{where: fmt.Sprintf("scenario check %q of %s (%s), rebound onto %v", c.Threshold, c.Scenario.Name, c.Scenario.URI, ms),
			expr: e.PromQL(dashboards.GrafanaWindow), metrics: e.Metrics()})
	}
	return out
}

// lastUp is the time of the last scrape that reached the job.
func lastUp(t *testing.T, prom *promtest.Server, job string) time.Time {
	t.Helper()
	ts, vs, err := prom.SampleTimes(context.Background(), fmt.Sprintf(`up{job=%q}`, job), 10*time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if vs[i] == 1 {
			return ts[i]
		}
	}
	t.Fatalf("prometheus never reached job %s: samples %v %v", job, ts, vs)
	return time.Time{}
}

// prove evaluates expr as a Grafana panel does, from start to at, and says why it fails: an
// invalid expression, no series, or series of NaN only.
func prove(ctx context.Context, prom *promtest.Server, expr string, start, at time.Time) error {
	// Note: the steps end exactly at the last scrape, where the newest series are.
	series, err := prom.QueryRange(ctx, expr, at.Add(-at.Sub(start).Truncate(time.Second)), at, time.Second)
	if err != nil {
		return fmt.Errorf("invalid: %v", err)
	}
	if len(series) == 0 {
		return fmt.Errorf("returns nothing")
	}
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				return nil
			}
		}
	}
	return fmt.Errorf("returns only NaN (%d series)", len(series))
}
