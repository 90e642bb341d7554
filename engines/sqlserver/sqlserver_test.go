package sqlserver_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/engines/sqlserver/sqlservertest"
)

const secret = "S3cret-Pass@word"

func TestScenariosNameItSQLServer(t *testing.T) {
	for _, written := range []string{"SQL Server", "sql  server", "MSSQL", "Microsoft SQL Server", "sqlserver"} {
		e, flavor, err := engines.Find(written)
		if err != nil || e.Name() != sqlserver.Name || flavor != "" {
			t.Errorf("Find(%q) = %v, %q, %v; want the sqlserver engine, default flavor", written, e, flavor, err)
		}
	}
}

// SQL Server cannot run natively anywhere: the feature suite pins native, and there the
// scenario must skip with the reason; a provider it does not have at all is an error.
func TestWhereNothingCanRunTheErrorSaysWhyAndIsUnavailable(t *testing.T) {
	t.Setenv(sqlserver.AcceptEULAEnv, "")
	ctx := context.Background()
	_, err := sqlserver.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderNative})
	if !errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "no package ships a native SQL Server") || !strings.Contains(err.Error(), sqlserver.DSNEnv) {
		t.Errorf("native: %v; want ErrUnavailable saying why and naming %s", err, sqlserver.DSNEnv)
	}
	_, err = sqlserver.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderDocker})
	if !errors.Is(err, engines.ErrUnavailable) {
		t.Errorf("docker without Docker or the licence accepted: %v; want ErrUnavailable", err)
	}
	if err := (sqlserver.Engine{}).Check(ctx, engines.ProviderEmbedded); !errors.Is(err, engines.ErrNoProvider) || !strings.Contains(err.Error(), "docker, external") {
		t.Errorf("Check(embedded) = %v; want ErrNoProvider listing docker, external", err)
	}
	if _, err := (sqlserver.Engine{}).Start(ctx, engines.Spec{Provider: engines.ProviderEmbedded}); err == nil || errors.Is(err, engines.ErrUnavailable) {
		t.Errorf("embedded: %v; want an error that is not a skip", err)
	}
}

// The licence is never accepted on anybody's behalf: with Docker at hand, the check still
// says what to set.
func TestTheLicenceMustBeAccepted(t *testing.T) {
	t.Setenv(sqlserver.AcceptEULAEnv, "")
	err := sqlserver.Engine{}.Check(context.Background(), engines.ProviderDocker)
	if err == nil {
		t.Fatal("Check(docker) passed without the licence accepted")
	}
	if !strings.Contains(err.Error(), "Docker") && !strings.Contains(err.Error(), sqlserver.AcceptEULAEnv) {
		t.Errorf("Check(docker) = %v; want it to say Docker is missing or the licence is not accepted", err)
	}
}

func TestExternalNeedsAURLAndNeverPrintsItsPassword(t *testing.T) {
	ctx := context.Background()
	for dsn, want := range map[string]string{
		"": "needs a DSN",
		"server=db;user id=sa;password=" + secret:   "not a sqlserver:// URL",
		"sqlserver://sa:" + secret + "@:1433":       "names no host",
		"sqlserver://sa:" + secret + "@db:99999":    "not a port number",
		"sqlserver://sa:" + secret + "@db/a/b":      "more than an instance name",
		"sqlserver://sa:" + secret + "%zz@db:1433/": "not a valid URL",
	} {
		_, err := sqlserver.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderExternal, DSN: dsn})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DSN %q: %v; want %q", dsn, err, want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("DSN %q: the error prints the password: %v", dsn, err)
		}
	}
}

// A DSN makes the provider external under auto and native alike (there is no native SQL
// Server); a server that does not answer fails with its address, never the password, and is
// no skip: the user asked for that server.
func TestAnUnreachableExternalServerFailsWithItsAddress(t *testing.T) {
	for _, p := range []engines.Provider{engines.ProviderAuto, engines.ProviderNative, engines.ProviderExternal} {
		spec := engines.Spec{Provider: p, DSN: "sqlserver://sa:" + url.QueryEscape(secret) + "@127.0.0.1:1?dial+timeout=1", StartTimeout: 2 * time.Second}
		_, err := sqlserver.Engine{}.Start(context.Background(), spec)
		if err == nil || errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("provider %s: %v; want a failure naming 127.0.0.1:1", p, err)
		}
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), url.QueryEscape(secret))) {
			t.Errorf("provider %s: the error prints the password: %v", p, err)
		}
	}
}

func TestExternalRefusesSettingsOfTheServer(t *testing.T) {
	for _, settings := range []map[string]string{{"max degree of parallelism": "1"}, {"MSSQL_PID": "Express"}} {
		_, err := sqlserver.Engine{}.Start(context.Background(), engines.Spec{Provider: engines.ProviderExternal,
			DSN: "sqlserver://sa:x@127.0.0.1:1", Settings: settings})
		if err == nil || !strings.Contains(err.Error(), "not to an external one") {
			t.Errorf("settings %v: %v; want them refused for an external server", settings, err)
		}
	}
}

func TestVersionsAndReleases(t *testing.T) {
	for v, want := range map[string]string{"16.0.4135.4": "2022", "15.0.4375.4": "2019", "14.0.3465.1": "2017", "17.0.700.9": "2025", "12.0.6024.0": "", "x": ""} {
		if got := sqlserver.Release(v); got != want {
			t.Errorf("Release(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestDSN(t *testing.T) {
	raw := sqlserver.BuildDSN("db.example", 1433, "sa", "p@ss:w/rd;{x}", url.Values{"encrypt": {"disable"}})
	d, err := sqlserver.ParseDSN(raw)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(d.String())
	if pw, _ := u.User.Password(); pw != "p@ss:w/rd;{x}" || d.User() != "sa" {
		t.Errorf("password %q, user %q: BuildDSN does not escape what ParseDSN reads back", pw, d.User())
	}
	if d.Address() != "db.example:1433" || d.Database() != "" {
		t.Errorf("Address %q, Database %q", d.Address(), d.Database())
	}
	// go-mssqldb refuses a key given twice in any case: With replaces every spelling.
	d2, _ := sqlserver.ParseDSN("sqlserver://sa:x@db/SQLEXPRESS?Database=old&app+name=mine")
	w := d2.WithDatabase("dbharness_1").WithAppName("dbharness")
	q, _ := url.ParseQuery(strings.SplitN(w.String(), "?", 2)[1])
	if len(q) != 2 || q.Get("database") != "dbharness_1" || q.Get("app name") != "mine" || w.Address() != `db\SQLEXPRESS` {
		t.Errorf("With: %v (address %s); want database replaced, the DSN's own app name kept, the instance in the address", q, w.Address())
	}
	if c, _ := sqlserver.ParseDSN("sqlserver://sa:x@db?initial+catalog=shop"); c.Database() != "shop" || len(strings.Split(c.WithDatabase("b").String(), "=")) != 2 {
		t.Errorf("initial catalog: Database %q, WithDatabase %s", c.Database(), c.WithDatabase("b"))
	}
	// The driver itself reads what we write.
	if _, err := mssql.NewConnector(w.String()); err != nil {
		t.Errorf("go-mssqldb refuses the DSN we write: %v", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"Strong@Passw0rd": true, "abcDEF123": true, "abc-DEF!": true, "abc-123!": true,
		"Short1!": false, "alllowercase1": false, "ALLUPPER!!": false, "12345678!": false, "Passwörd1": true,
		strings.Repeat("aA1", 43): false,
	} {
		if err := sqlserver.CheckPassword(pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v, want ok %v", pw, err, ok)
		}
	}
	s, err := sqlserver.ParseSettings(map[string]string{"MSSQL_SA_PASSWORD": "weakpassword"})
	if err == nil || !strings.Contains(err.Error(), "three") || s.Password != "" {
		t.Errorf("a weak MSSQL_SA_PASSWORD: %v; want it refused before anything starts", err)
	}
}

func TestSettingsAreSortedCheckedAndWritten(t *testing.T) {
	s, err := sqlserver.ParseSettings(map[string]string{
		"max degree of parallelism":                     "1",
		"Cost Threshold For Parallelism":                "50",
		"database.read_committed_snapshot":              "on",
		"database.COMPATIBILITY_LEVEL":                  "150",
		"database.ALLOW_SNAPSHOT_ISOLATION":             "ON",
		"MSSQL_MEMORY_LIMIT_MB":                         "2048",
		"MSSQL_SA_PASSWORD":                             "Strong@Passw0rd",
		"max server memory (MB)":                        "1024",
		"database.DELAYED_DURABILITY":                   "forced",
		"database.PARAMETERIZATION":                     "FORCED",
		"database.MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT": "OFF",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Env["MSSQL_MEMORY_LIMIT_MB"] != "2048" || len(s.Env) != 1 || s.Password != "Strong@Passw0rd" {
		t.Errorf("env %v, password %q", s.Env, s.Password)
	}
	wantServer := []string{
		"EXEC sp_configure N'show advanced options', 1", "RECONFIGURE WITH OVERRIDE",
		"EXEC sp_configure N'Cost Threshold For Parallelism', 50",
		"EXEC sp_configure N'max degree of parallelism', 1",
		"EXEC sp_configure N'max server memory (MB)', 1024",
		"RECONFIGURE WITH OVERRIDE",
	}
	if got := s.ServerStatements(); strings.Join(got, "\n") != strings.Join(wantServer, "\n") {
		t.Errorf("server statements:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantServer, "\n"))
	}
	wantDB := []string{
		"ALTER DATABASE [db]]x] SET ALLOW_SNAPSHOT_ISOLATION ON",
		"ALTER DATABASE [db]]x] SET COMPATIBILITY_LEVEL = 150",
		"ALTER DATABASE [db]]x] SET DELAYED_DURABILITY = FORCED",
		"ALTER DATABASE [db]]x] SET MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = OFF",
		"ALTER DATABASE [db]]x] SET PARAMETERIZATION FORCED",
		"ALTER DATABASE [db]]x] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE",
	}
	if got := s.DatabaseStatements("db]x"); strings.Join(got, "\n") != strings.Join(wantDB, "\n") {
		t.Errorf("database statements:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantDB, "\n"))
	}
	if none, _ := sqlserver.ParseSettings(nil); none.ServerStatements() != nil || none.DatabaseStatements("x") != nil {
		t.Error("no settings still write statements")
	}
	for settings, want := range map[string]map[string]string{
		"not a database option dbharness sets": {"database.AUTO_CLOSE": "ON"},
		"is not a value it takes":              {"database.READ_COMMITTED_SNAPSHOT": "ON; DROP TABLE x"},
		"whole number":                         {"max degree of parallelism": "one"},
		"dbharness sets it itself":             {"MSSQL_TCP_PORT": "1500"},
		"write an sp_configure option":         {"shared_buffers=1": "x"},
	} {
		if _, err := sqlserver.ParseSettings(want); err == nil || !strings.Contains(err.Error(), settings) {
			t.Errorf("ParseSettings(%v) = %v, want %q", want, err, settings)
		}
	}
}

func TestAvailabilityGroupOnRecordedAnswers(t *testing.T) {
	ag, err := sqlserver.ParseAvailabilityGroup(sqlservertest.Rows(t, "testdata/availability_group_primary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ag.Name != "ag1" || len(ag.Replicas) != 3 || ag.Primary() == nil || ag.Primary().Server != "mssql-0" {
		t.Fatalf("group %+v", ag)
	}
	if got, want := ag.Describe(), "mssql-0 PRIMARY SYNCHRONOUS_COMMIT HEALTHY, mssql-1 SECONDARY SYNCHRONOUS_COMMIT HEALTHY, mssql-2 SECONDARY ASYNCHRONOUS_COMMIT DISCONNECTED NOT_HEALTHY"; got != want {
		t.Errorf("Describe = %q\nwant       %q", got, want)
	}
	sec, err := sqlserver.ParseAvailabilityGroup(sqlservertest.Rows(t, "testdata/availability_group_secondary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sec.Primary() != nil || !strings.HasPrefix(sec.Describe(), "mssql-0 role unknown here SYNCHRONOUS_COMMIT, mssql-1 SECONDARY") {
		t.Errorf("seen from a secondary: %q", sec.Describe())
	}
	if none, err := sqlserver.ParseAvailabilityGroup(nil); none != nil || err != nil {
		t.Errorf("no rows: %v, %v; want no group", none, err)
	}
	two := sqlservertest.Rows(t, "testdata/availability_group_primary.json")
	two[2]["ag_name"] = "ag2"
	if _, err := sqlserver.ParseAvailabilityGroup(two); err == nil || !strings.Contains(err.Error(), "two groups") {
		t.Errorf("two groups: %v", err)
	}
	delete(two[0], "role_desc")
	if _, err := sqlserver.ParseAvailabilityGroup(two); err == nil || !strings.Contains(err.Error(), "role_desc") {
		t.Errorf("a column missing: %v; want it named", err)
	}
}

func TestServerErrorsAreExplainedAndLocated(t *testing.T) {
	login := mssql.Error{Number: 18456, Message: "Login failed for user 'sa'."}
	if got := sqlserver.Explain(login); !strings.Contains(got, "check the user and password") || !strings.Contains(got, "Login failed") {
		t.Errorf("Explain(18456) = %q", got)
	}
	wrapped := errors.Join(errors.New("seed"), mssql.Error{Number: 207, LineNo: 3, Message: "Invalid column name 'x'."})
	if n := sqlserver.ErrorNumber(wrapped); n != 207 {
		t.Errorf("ErrorNumber through a wrap = %d", n)
	}
	// A batch starting on line 10 whose third line fails is line 12 of the script.
	if got := sqlserver.ScriptLine(10, wrapped); got != 12 {
		t.Errorf("ScriptLine = %d, want 12", got)
	}
	if got := sqlserver.ScriptLine(10, errors.New("no server error")); got != 10 {
		t.Errorf("ScriptLine without a server line = %d, want the batch's", got)
	}
}

// The live path, where a SQL Server can run (Docker, or DBHARNESS_TEST_SQLSERVER_DSN): a
// scenario database with Query Store on, the settings applied, the seed run in batches, a
// script error located, and nothing left after Stop.
func TestStartServesAScenarioDatabase(t *testing.T) {
	inst := sqlservertest.Start(t, map[string]string{"database.ALLOW_SNAPSHOT_ISOLATION": "ON", "max degree of parallelism": "1"})
	info := inst.Info()
	if !strings.HasPrefix(info.Settings["database"], "dbharness_") || info.Settings["query_store"] != "READ_WRITE" ||
		info.Settings["snapshot_isolation"] != "ON" || info.Settings["max degree of parallelism"] != "1" || sqlserver.Release(info.Version) == "" {
		t.Errorf("info = %+v", info)
	}
	ctx := context.Background()
	script := "CREATE TABLE t (id int PRIMARY KEY);\nGO\nCREATE PROCEDURE p AS\nBEGIN\n  INSERT INTO t VALUES (1);\n  SELECT count(*) FROM t;\nEND\nGO\nEXEC p;\nSELECT nope FROM t;"
	err := sqlserver.Engine{}.RunScript(ctx, inst, script)
	var se *engines.ScriptError
	if !errors.As(err, &se) || se.Statement != 3 || se.Line != 10 || sqlserver.ErrorNumber(err) != 207 {
		t.Errorf("RunScript = %v; want batch 3 failing on line 10 with error 207", err)
	}
	db, err := sqlserver.Open(inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("rows in t = %d, %v; want the procedure's one", n, err)
	}
	var dbname sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT DB_NAME()").Scan(&dbname); err != nil || dbname.String != info.Settings["database"] {
		t.Errorf("the DSN connects to %q, %v; want the scenario database", dbname.String, err)
	}
}
