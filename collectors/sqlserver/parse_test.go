package sqlserver

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestShowplans(t *testing.T) {
	for _, c := range []struct {
		file, shape           string
		scans, lookups, warns []string
		seeks, nodes, degree  int
		parallel              bool
		missing               int
		statement, planHash   string
	}{
		{file: "plan_orders_scan.xml", shape: "Clustered Index Scan on dbo.orders.PK_orders",
			scans: []string{"dbo.orders"}, nodes: 1, degree: 1, missing: 1,
			statement: "SELECT id, total FROM dbo.orders WHERE customer_id = @p1 AND placed_at >= @p2", planHash: "0x5D6E7F8091A2B3C4"},
		{file: "plan_orders_lookup_parallel.xml",
			shape:   "Parallelism Gather Streams > Nested Loops Inner Join > (Index Seek on dbo.orders.ix_orders_status, Key Lookup on dbo.orders.PK_orders)",
			lookups: []string{"dbo.orders"}, warns: []string{WarnNoStatistics}, seeks: 1, nodes: 4, degree: 4, parallel: true, missing: 1},
		{file: "plan_customers_convert.xml", shape: "Index Scan on dbo.customers.ix_customers_code",
			scans: []string{"dbo.customers"}, warns: []string{WarnImplicitConversion}, nodes: 1, degree: 1},
		{file: "plan_accounts_update.xml",
			shape: "Clustered Index Update on dbo.accounts.PK_accounts > Compute Scalar > Clustered Index Seek on dbo.accounts.PK_accounts",
			seeks: 1, nodes: 3, degree: 1},
	} {
		plans, err := ParsePlans(readFile(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if len(plans) != 1 {
			t.Fatalf("%s: %d plans", c.file, len(plans))
		}
		p := plans[0]
		if p.Shape != c.shape || !slices.Equal(p.Scans, c.scans) || !slices.Equal(p.Lookups, c.lookups) || !slices.Equal(p.Warnings, c.warns) ||
			p.Seeks != c.seeks || p.Nodes != c.nodes || p.Degree != c.degree || p.Parallel != c.parallel || len(p.MissingIndexes) != c.missing {
			t.Errorf("%s:\n got shape %q scans %v lookups %v warnings %v seeks %d nodes %d degree %d parallel %v missing %d\nwant shape %q scans %v lookups %v warnings %v seeks %d nodes %d degree %d parallel %v missing %d",
				c.file, p.Shape, p.Scans, p.Lookups, p.Warnings, p.Seeks, p.Nodes, p.Degree, p.Parallel, len(p.MissingIndexes),
				c.shape, c.scans, c.lookups, c.warns, c.seeks, c.nodes, c.degree, c.parallel, c.missing)
		}
		if c.statement != "" && (p.Statement != c.statement || p.QueryPlanHash != c.planHash) {
			t.Errorf("%s: statement %q plan hash %q", c.file, p.Statement, p.QueryPlanHash)
		}
	}
	conv, _ := ParsePlans(readFile(t, "plan_customers_convert.xml"))
	if len(conv[0].Converts) != 2 || !strings.Contains(conv[0].Converts[1], "CONVERT_IMPLICIT(nvarchar(20),[dbharness_5f3a9c1e].[dbo].[customers].[code],0)=[@p1]") {
		t.Errorf("converts = %q", conv[0].Converts)
	}
	scan, _ := ParsePlans(readFile(t, "plan_orders_scan.xml"))
	m := scan[0].MissingIndexes[0]
	if m.Subject() != "dbo.orders (customer_id, placed_at)" || !slices.Equal(m.Include, []string{"total"}) || m.Impact != 98.3102 || !m.FromPlan {
		t.Errorf("missing index from the plan = %+v", m)
	}
	for text, want := range map[string]string{
		"<ShowPlanXML><BatchSequence><Batch><Statements></Statements></Batch></BatchSequence></ShowPlanXML>": "no statement with a plan",
		"<ShowPlanXML><BatchSequence>": "not showplan XML",
	} {
		if _, err := ParsePlans(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePlans(%q) = %v, want %q", text, err, want)
		}
	}
	// A batch's plan (Query Store keeps the whole batch) with an IF: the statements in its
	// branches count too.
	cond := `<ShowPlanXML xmlns="http://schemas.microsoft.com/sqlserver/2004/07/showplan"><BatchSequence><Batch><Statements>
<StmtCond StatementText="IF @p1 &gt; 0"><Condition/><Then><Statements><StmtSimple StatementText="SELECT 1 FROM dbo.t"><QueryPlan><RelOp PhysicalOp="Table Scan"><TableScan><Object Schema="[dbo]" Table="[t]"/></TableScan></RelOp></QueryPlan></StmtSimple></Statements></Then></StmtCond>
</Statements></Batch></BatchSequence></ShowPlanXML>`
	if ps, err := ParsePlans(cond); err != nil || len(ps) != 1 || !slices.Equal(ps[0].Scans, []string{"dbo.t"}) {
		t.Errorf("a plan inside an IF: %+v, %v", ps, err)
	}
}

func TestDeadlockGraphs(t *testing.T) {
	d, err := ParseDeadlock(readFile(t, "deadlock_transfers.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject() != "dbo.accounts" || len(d.Processes) != 2 || len(d.Resources) != 2 || len(d.Victims()) != 1 || d.Victims()[0].SPID != 57 {
		t.Fatalf("deadlock = %+v", d)
	}
	if !d.Time.Equal(time.Date(2024, 5, 2, 10, 15, 7, 412e6, time.UTC)) {
		t.Errorf("time = %v", d.Time)
	}
	v := d.Victims()[0]
	if v.Isolation != "read committed (2)" || v.LockMode != "U" || v.Wait != 1631*time.Millisecond || v.App != "dbharness" || v.Transaction != "user_transaction" ||
		v.WaitResource != "KEY: 7:72057594045202432 (8194443284a0)" || len(v.Frames) != 2 || v.Frames[0].Statement != "UPDATE accounts SET balance = balance - @p1 WHERE id = @p2" {
		t.Errorf("victim = %+v", v)
	}
	if v.InputBuffer != "UPDATE accounts SET balance = balance - @p1 WHERE id = @p2" {
		t.Errorf("input buffer = %q: the parameter list should be cut", v.InputBuffer)
	}
	r := d.Resources[0]
	if r.Kind != "keylock" || r.Index != "PK_accounts" || r.Owners[0] != (LockHolder{"process1f8e4b3f468", "X"}) || r.Waiters[0] != (LockHolder{"process1f8e4b2a8c8", "U"}) {
		t.Errorf("resource = %+v", r)
	}
	if !d.In(7, "") || !d.In(0, "DBHARNESS_5F3A9C1E") || d.In(9, "shop") {
		t.Errorf("In: by id %v, by name %v, another database %v", d.In(7, ""), d.In(0, "DBHARNESS_5F3A9C1E"), d.In(9, "shop"))
	}
	graph := d.Graph()
	for _, want := range []string{
		"deadlock at 2024-05-02T10:15:07.412Z: 2 processes, 2 resources; rolled back: spid 57",
		"cycle: spid 57 -> spid 58 -> spid 57",
		"spid 57 (victim): app dbharness, login sa, isolation read committed (2), transaction user_transaction; waited 1.631s for KEY: 7:72057594045202432 (8194443284a0) in mode U",
		"  unknown line 1: UPDATE accounts SET balance = balance - @p1 WHERE id = @p2",
		// The other session's statement had literals: they are never shown.
		"  adhoc line 1: UPDATE accounts SET balance = balance - ? WHERE id = ?",
		"keylock on dbo.accounts index PK_accounts: held by spid 58 (X); wanted by spid 57 (U)",
	} {
		if !strings.Contains(graph, want) {
			t.Errorf("the graph lacks %q:\n%s", want, graph)
		}
	}
	if strings.Contains(graph, "- 25") || strings.Contains(graph, "= 7") {
		t.Errorf("a literal is in the graph:\n%s", graph)
	}

	three, err := ParseDeadlock(readFile(t, "deadlock_three_procedures.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if three.Subject() != "dbo.audit, dbo.inventory, dbo.orders" || three.Cycle() != "spid 61 -> spid 63 -> spid 62 -> spid 61" {
		t.Errorf("three processes: subject %q, cycle %q", three.Subject(), three.Cycle())
	}
	kinds := []string{}
	for _, r := range three.Resources {
		kinds = append(kinds, r.Kind)
	}
	if !slices.Equal(kinds, []string{"pagelock", "ridlock", "objectlock"}) {
		t.Errorf("resource kinds = %v", kinds)
	}
	if g := three.Graph(); !strings.Contains(g, "dbharness_5f3a9c1e.dbo.place_order line 9: UPDATE dbo.orders SET status = N? WHERE id = @order_id") ||
		!strings.Contains(g, "isolation serializable (4)") {
		t.Errorf("graph:\n%s", g)
	}

	par, err := ParseDeadlock(readFile(t, "deadlock_list_parallel.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if par.Subject() != "exchangeEvent" || par.Cycle() != "spid 66 ecid 2 -> spid 66 ecid 3 -> spid 66 ecid 2" || !par.Processes[0].Victim {
		t.Errorf("a parallel query's deadlock (Profiler's deadlock-list): subject %q cycle %q victim %v", par.Subject(), par.Cycle(), par.Processes[0].Victim)
	}
	for text, want := range map[string]string{
		`<event name="xml_deadlock_report"><data name="xml_report"><value></value></data></event>`: "no deadlock graph",
		`<deadlock><process-list>`: "not a deadlock graph",
	} {
		if _, err := ParseDeadlock(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDeadlock(%q) = %v, want %q", text, err, want)
		}
	}
}

func TestMissingIndexesRankAndCreate(t *testing.T) {
	dmv, err := ParseMissingIndexes(sqlservertestRows(t, "missing_indexes.json"))
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := ParsePlans(readFile(t, "plan_orders_lookup_parallel.xml"))
	ranked := RankMissingIndexes(append(dmv, plan[0].MissingIndexes...))
	var subjects []string
	for _, m := range ranked {
		subjects = append(subjects, m.Subject())
	}
	if want := []string{"dbo.orders (customer_id, placed_at)", "dbo.orders (status)", "dbo.order lines (order]id)"}; !slices.Equal(subjects, want) {
		t.Fatalf("ranked = %q, want %q", subjects, want)
	}
	top := ranked[0]
	if !near(top.Score(), 0.7413*98.31*410) || top.Seeks != 410 {
		t.Errorf("top score = %v (seeks %d)", top.Score(), top.Seeks)
	}
	if got, want := top.CreateStatement(), "CREATE NONCLUSTERED INDEX [ix_orders_customer_id_placed_at] ON [dbo].[orders] ([customer_id], [placed_at]) INCLUDE ([total])"; got != want {
		t.Errorf("CREATE = %s\nwant     %s", got, want)
	}
	// The plan said the same of status, and includes id too: the views' counts stay, the
	// included columns join.
	st := ranked[1]
	if st.FromPlan || st.Seeks != 220 || !slices.Equal(st.Include, []string{"notes", "id"}) {
		t.Errorf("merged suggestion = %+v", st)
	}
	if got, want := ranked[2].CreateStatement(), "CREATE NONCLUSTERED INDEX [ix_order_lines_order_id] ON [dbo].[order lines] ([order]]id]) INCLUDE ([sku], [qty])"; got != want {
		t.Errorf("CREATE = %s\nwant     %s", got, want)
	}
	for s, want := range map[string][]string{
		"[a], [b]]c], [d e]": {"a", "b]c", "d e"},
		"[db].[dbo].[t]":     {"db", "dbo", "t"},
		"":                   nil,
		"plain, [quoted]":    {"plain", "quoted"},
	} {
		sep := byte(',')
		if strings.Contains(s, "].[") {
			sep = '.'
		}
		if got, err := SplitIdentifiers(s, sep); err != nil || !slices.Equal(got, want) {
			t.Errorf("SplitIdentifiers(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	if _, err := SplitIdentifiers("[open", ','); err == nil {
		t.Error("an unclosed identifier was accepted")
	}
}

func TestQueryTexts(t *testing.T) {
	for in, want := range map[string]string{
		"(@p1 bigint,@p2 decimal(10,2))UPDATE accounts SET balance = balance + @p2 WHERE id = @p1": "UPDATE accounts SET balance = balance + @p2 WHERE id = @p1",
		"(@p1 nvarchar(max))  SELECT 1 FROM t WHERE a = @p1":                                       "SELECT ? FROM t WHERE a = @p1",
		"SELECT name FROM t WHERE code = N'abc' AND n = 42":                                        "SELECT name FROM t WHERE code = N? AND n = ?",
		"ALTER LOGIN app WITH PASSWORD = N'Sup3r-Secret!' OLD_PASSWORD = 'x'":                      "ALTER LOGIN app WITH PASSWORD = 'xxxxx'",
		"(SELECT 1)": "(SELECT ?)",
	} {
		got := NormalizeQuery(in, 200)
		if !strings.HasPrefix(got, want) || strings.Contains(got, "Sup3r") {
			t.Errorf("NormalizeQuery(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeQuery("SELECT "+strings.Repeat("a, ", 100)+"b FROM t", 20); len([]rune(got)) != 20 || !strings.HasSuffix(got, "...") {
		t.Errorf("a long text = %q", got)
	}
	for text, own := range map[string]bool{
		"SELECT wait_type FROM sys.dm_os_wait_stats":                       true,
		"(@p1 int)SELECT plan_id FROM sys.query_store_plan":                true,
		"SELECT COALESCE(CAST(SERVERPROPERTY('IsHadrEnabled') AS int), 0)": true,
		"SET TRANSACTION ISOLATION LEVEL SNAPSHOT":                         true,
		"UPDATE accounts SET balance = 0":                                  false,
		"SELECT * FROM dbo.systems":                                        false,
	} {
		if HarnessStatement(text) != own {
			t.Errorf("HarnessStatement(%q) = %v", text, !own)
		}
	}
}

// A load that deadlocks on purpose makes many deadlocks alike: one finding per set of
// tables, the first graph as its detail and the others' times after it.
func TestDeadlocksOnTheSameTablesAreOneFinding(t *testing.T) {
	first, err := ParseDeadlock(readFile(t, "deadlock_transfers.xml"))
	if err != nil {
		t.Fatal(err)
	}
	second := first
	second.Time = first.Time.Add(1500 * time.Millisecond)
	second.Processes = slices.Clone(first.Processes)
	second.Processes[0].Wait = 4 * time.Second
	three, _ := ParseDeadlock(readFile(t, "deadlock_three_procedures.xml"))
	fs := deadlockFindings([]Deadlock{first, three, second}, "test")
	if len(fs) != 2 || fs[0].Subject != "dbo.accounts" || fs[0].Values["deadlocks"] != 2 || fs[0].Values["wait_seconds"] != 4 || fs[1].Values["deadlocks"] != 1 {
		t.Fatalf("findings: %+v", fs)
	}
	if !strings.HasSuffix(fs[0].Detail, "1 more deadlocks on the same tables, at 10:15:08.912Z") || !strings.Contains(fs[0].Summary, "and 1 more") {
		t.Errorf("detail ends %q; summary %q", fs[0].Detail[len(fs[0].Detail)-60:], fs[0].Summary)
	}
	if strings.Contains(fs[1].Detail, "more deadlocks") {
		t.Errorf("a deadlock with no twin says it has some: %s", fs[1].Detail)
	}
}
