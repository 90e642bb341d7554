package sqlserver

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/dbharness/dbharness/engines/sqlscript"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

func TestErrorsAreClassifiedByNumber(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{mssql.Error{Number: 1205, Message: "Transaction (Process ID 57) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction."}, ClassDeadlock},
		{fmt.Errorf("transfer: %w", mssql.Error{Number: 1222, Message: "Lock request time out period exceeded."}), ClassLockTimeout},
		{mssql.Error{Number: 3960, Message: "Snapshot isolation transaction aborted due to update conflict."}, ClassUpdateConflict},
		{mssql.Error{Number: 41302}, ClassXTPWriteConflict},
		{mssql.Error{Number: 41305}, ClassXTPValidation},
		{mssql.Error{Number: 41325}, ClassXTPValidation},
		{mssql.Error{Number: 41301}, ClassXTPDependency},
		{mssql.Error{Number: 2627}, ClassDuplicateKey},
		{mssql.Error{Number: 8645}, ClassMemory},
		{mssql.Error{Number: 976}, ClassUnavailable},
		{mssql.Error{Number: 3906}, ClassReadOnly},
		{mssql.Error{Number: 207, Message: "Invalid column name 'x'."}, "server:207"},
		{driver.ErrBadConn, ClassConnection},
	} {
		got, ok := ClassifyError(c.err)
		if !ok || got != c.want {
			t.Errorf("ClassifyError(%v) = %q, %v; want %q", c.err, got, ok, c.want)
		}
	}
	if got, ok := ClassifyError(errors.New("context deadline exceeded")); ok {
		t.Errorf("a non-server error was classified %q: the load engine's rules should take it", got)
	}
	// The declarative workloads' dialect names errors the same way.
	if got, _ := (dialect{}).ClassifyError(mssql.Error{Number: 1205}); got != ClassDeadlock {
		t.Errorf("dialect classifies 1205 as %q", got)
	}
}

func TestDialect(t *testing.T) {
	d := dialect{}
	if d.Placeholder(1) != "@p1" || d.Placeholder(12) != "@p12" {
		t.Errorf("placeholders %s %s", d.Placeholder(1), d.Placeholder(12))
	}
	sts, err := sqlscript.Split("CREATE TABLE t (a int);\nGO\nCREATE PROCEDURE p AS SELECT 1; SELECT 2;\nGO", d.Script())
	if err != nil || len(sts) != 2 || !strings.HasPrefix(sts[1].Text, "CREATE PROCEDURE") {
		t.Errorf("scripts split %+v, %v", sts, err)
	}
	if _, err := d.Open(workloads.Target{Engine: Database, DSN: "server=db;password=Sup3r-Secret"}); err == nil || strings.Contains(err.Error(), "Sup3r") {
		t.Errorf("Open with an ADO DSN: %v; want it refused without the password", err)
	}
}

// createFirst are the statements SQL Server accepts only as the first of their batch.
var createFirst = regexp.MustCompile(`(?im)^\s*CREATE\s+(?:OR\s+ALTER\s+)?(PROC(?:EDURE)?|FUNCTION|TRIGGER|VIEW)\b`)

// The datasets' scripts: every placeholder has a value at every scale, and every CREATE
// PROCEDURE (FUNCTION, TRIGGER, VIEW) starts its own batch, as SQL Server requires (error
// 111); the procedures the workloads call exist.
func TestDatasetScripts(t *testing.T) {
	for _, s := range []struct {
		name, script string
		values       map[string]int64
		creates      []string
	}{
		{"bank", bankScript, bankValues(3), nil},
		{"orders", ordersScript, ordersValues(3), []string{"dbo.place_order", "dbo.customer_orders"}},
		{"sessions", sessionsScript, sessionsValues(3), []string{"dbo.touch_session_native", "dbo.touch_session_disk"}},
	} {
		text := expand(s.script, s.values)
		if strings.Contains(text, "{{") {
			t.Errorf("%s: a placeholder has no value: %s", s.name, text[strings.Index(text, "{{"):][:20])
		}
		batches, err := sqlscript.Split(text, engine.Batches)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		created := ""
		for _, b := range batches {
			body := strings.TrimSpace(stripComments(b.Text))
			if loc := createFirst.FindStringIndex(body); loc != nil && loc[0] != 0 {
				t.Errorf("%s: line %d: CREATE %s is not the first statement of its batch", s.name, b.Line, createFirst.FindStringSubmatch(body)[1])
			}
			created += body + "\n"
		}
		for _, p := range s.creates {
			if !strings.Contains(created, "CREATE PROCEDURE "+p) {
				t.Errorf("%s creates no procedure %s", s.name, p)
			}
		}
	}
	if v := sessionsValues(2); v["buckets"] != 2*v["rows"] || v["rows"] != 20000 {
		t.Errorf("sessions values %v", v)
	}
	if strings.Count(expand(ordersScript, ordersValues(1)), "TOP (1000)") != 1 || !strings.Contains(expand(ordersScript, ordersValues(1)), "TOP (20000)") {
		t.Error("the orders script does not take its sizes")
	}
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestOrderLinesFitTheTableType(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := map[int]bool{}
	for range 500 {
		lines := orderLines(rng)
		sizes[len(lines)] = true
		for i, l := range lines {
			if l.Line != int32(i+1) || l.Qty < 1 || l.Qty > 5 || l.Price < 1 || l.Price > 99.99 || len(l.SKU) > 20 {
				t.Fatalf("line %+v of %d", l, len(lines))
			}
		}
	}
	if len(sizes) != 5 {
		t.Errorf("orders have %d different sizes, want 1 to 5 lines", len(sizes))
	}
	if customerCode(4211) != "C-004211" {
		t.Errorf("customerCode = %s, the dataset writes C-004211", customerCode(4211))
	}
}

func TestYCSBStatements(t *testing.T) {
	s := ycsb.Spec{Table: "usertable", FieldCount: 3}
	if got, want := createTable(s), "CREATE TABLE [usertable] (ycsb_key varchar(255) NOT NULL CONSTRAINT [PK_usertable] PRIMARY KEY, [field0] varchar(max) NULL, [field1] varchar(max) NULL, [field2] varchar(max) NULL)"; got != want {
		t.Errorf("create:\n%s\nwant\n%s", got, want)
	}
	for got, want := range map[string]string{
		readStatement("[usertable]", nil):                            "SELECT * FROM [usertable] WHERE ycsb_key = @p1",
		readStatement("[usertable]", []string{"field1"}):             "SELECT [field1] FROM [usertable] WHERE ycsb_key = @p1",
		scanStatement("[usertable]", nil):                            "SELECT TOP (@p2) * FROM [usertable] WHERE ycsb_key >= @p1 ORDER BY ycsb_key",
		updateStatement("[usertable]", []string{"field0", "field2"}): "UPDATE [usertable] SET [field0] = @p1, [field2] = @p2 WHERE ycsb_key = @p3",
		insertStatement("[usertable]", []string{"field0", "field1"}): "INSERT INTO [usertable] (ycsb_key, [field0], [field1]) VALUES (@p1, @p2, @p3)",
	} {
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

func TestRegistered(t *testing.T) {
	for _, name := range []string{"transfers", "transfers-snapshot", "transfers-serializable", "deadlocks", "orders", "sessions-inmemory", "sessions-disk", "ycsb-a", "ycsb-e"} {
		w, err := workloads.Lookup(Database, name)
		if err != nil {
			t.Errorf("workload %s: %v", name, err)
			continue
		}
		if _, err := workloads.LookupDataset(Database, w.Dataset()); err != nil {
			t.Errorf("workload %s needs dataset %q: %v", name, w.Dataset(), err)
		}
	}
	in, disk := Sessions{InMemory: true}, Sessions{}
	if strings.Join(workloads.OperationNames(in), ",") != strings.Join(workloads.OperationNames(disk), ",") {
		t.Error("the In-Memory and disk-based workloads name their operations differently: one feature cannot compare them")
	}
}
