package sqlserver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/sqlscript"
)

// Batches is how T-SQL scripts split: into the batches between lines of GO, as sqlcmd sends
// them, so a procedure body keeps its semicolons.
var Batches = sqlscript.Dialect{Batch: "GO"}

// queryStoreOptions switch Query Store on for short scenarios: one-minute intervals and every
// query captured (AUTO skips the rare and trivial ones a short test is made of).
const queryStoreOptions = "QUERY_STORE = ON (OPERATION_MODE = READ_WRITE, INTERVAL_LENGTH_MINUTES = 1, QUERY_CAPTURE_MODE = ALL, DATA_FLUSH_INTERVAL_SECONDS = 60, MAX_STORAGE_SIZE_MB = 256)"

// serverFactsQuery reads what the result records about the server.
const serverFactsQuery = `SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)),
  CAST(SERVERPROPERTY('Edition') AS nvarchar(128)),
  COALESCE(CAST(SERVERPROPERTY('ProductUpdateLevel') AS nvarchar(128)), CAST(SERVERPROPERTY('ProductLevel') AS nvarchar(128))),
  COALESCE(CAST(SERVERPROPERTY('IsHadrEnabled') AS int), 0)`

// reportedConfigurations are sp_configure options read back into the result's environment,
// because they change what a benchmark measures.
var reportedConfigurations = []string{
	"max degree of parallelism", "cost threshold for parallelism", "max server memory (MB)",
	"optimize for ad hoc workloads",
}

// databaseFactsQuery reads the scenario database's options that change what it measures.
const databaseFactsQuery = `SELECT d.compatibility_level, d.is_read_committed_snapshot_on, d.snapshot_isolation_state_desc,
  d.recovery_model_desc, COALESCE(q.actual_state_desc, N'OFF')
FROM sys.databases d LEFT JOIN sys.database_query_store_options q ON d.database_id = DB_ID()
WHERE d.database_id = DB_ID()`

// prepared is a server made ready for a scenario.
type prepared struct {
	dsn *DSN // the scenario's database
	// drop removes the database the engine created on a server that is not its own; nil
	// when there is nothing to remove.
	drop    func(ctx context.Context) error
	hadr    bool
	version string
}

// prepare waits until the server takes logins, checks its release, applies the settings,
// makes the scenario's database (unless the DSN names one: then that one is used as it is),
// runs the seed scripts there and records the facts.
func prepare(ctx context.Context, server *DSN, spec engines.Spec, s Settings, info *engines.Info, ours bool) (*prepared, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout(spec))
	defer cancel()
	addr := server.Address()
	db, err := Open(server.WithAppName(AppName).String())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := waitLogin(ctx, db); err != nil {
		return nil, fmt.Errorf("sqlserver at %s: the server does not take logins: %s", addr, Explain(err))
	}
	var version, edition, level string
	var hadr int
	if err := db.QueryRowContext(ctx, serverFactsQuery).Scan(&version, &edition, &level, &hadr); err != nil {
		return nil, fmt.Errorf("sqlserver at %s: read the server's version: %s", addr, Explain(err))
	}
	if err := checkRelease(spec.Version, version, addr); err != nil {
		return nil, err
	}
	info.Version = version
	if err := execAll(ctx, db, s.ServerStatements()); err != nil {
		return nil, fmt.Errorf("sqlserver at %s: server settings: %w", addr, err)
	}
	p := &prepared{dsn: server, hadr: hadr == 1, version: version}
	if name := server.Database(); name != "" && !ours {
		if len(s.Database) > 0 {
			return nil, fmt.Errorf("sqlserver at %s: database settings apply to a database dbharness creates, not to %s, which the DSN names: set them on the server, or leave the database out of the DSN", addr, name)
		}
	} else {
		name := "dbharness_" + randomHex(4)
		create := []string{"CREATE DATABASE " + QuoteName(name), "ALTER DATABASE " + QuoteName(name) + " SET " + queryStoreOptions}
		if err := execAll(ctx, db, append(create, s.DatabaseStatements(name)...)); err != nil {
			return nil, fmt.Errorf("sqlserver at %s: create the scenario's database %s: %w", addr, name, err)
		}
		p.dsn = server.WithDatabase(name)
		if !ours {
			p.drop = func(ctx context.Context) error { return dropDatabase(ctx, server, name) }
		}
	}
	scenario, err := Open(p.dsn.WithAppName(AppName).String())
	if err != nil {
		return p, err
	}
	defer scenario.Close()
	for i, script := range spec.Seed {
		if err := ExecScript(ctx, scenario, script); err != nil {
			return p, fmt.Errorf("sqlserver at %s: seed script %d: %w", addr, i+1, err)
		}
	}
	info.Settings, err = readSettings(ctx, db, scenario, s, edition, level)
	if err != nil {
		return p, fmt.Errorf("sqlserver at %s: read the settings: %s", addr, Explain(err))
	}
	info.Settings["database"] = p.dsn.Database()
	return p, nil
}

// startTimeout is how long start-up may take: the spec's, or two minutes (the image
// upgrades its system databases on first start).
func startTimeout(spec engines.Spec) time.Duration {
	if spec.StartTimeout > 0 {
		return spec.StartTimeout
	}
	return 2 * time.Minute
}

// waitLogin pings until a login succeeds or ctx ends: a container logs "Recovery is
// complete" a moment before it takes logins (error 18401, script upgrade mode).
func waitLogin(ctx context.Context, db *sql.DB) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := db.PingContext(attempt)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func execAll(ctx context.Context, db *sql.DB, statements []string) error {
	for _, st := range statements {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %s", st, Explain(err))
		}
	}
	return nil
}

func dropDatabase(ctx context.Context, server *DSN, name string) error {
	db, err := Open(server.WithAppName(AppName).String())
	if err != nil {
		return err
	}
	defer db.Close()
	q := QuoteName(name)
	// Note: SINGLE_USER ends the sessions still in it (a collector, a worker left behind).
	return execAll(ctx, db, []string{"ALTER DATABASE " + q + " SET SINGLE_USER WITH ROLLBACK IMMEDIATE", "DROP DATABASE " + q})
}

// readSettings reads back what changes a benchmark: the edition and update, the reported
// and the scenario's sp_configure options, and the scenario database's options.
func readSettings(ctx context.Context, server, scenario *sql.DB, s Settings, edition, level string) (map[string]string, error) {
	out := map[string]string{"edition": edition, "update_level": level}
	names := append([]string{}, reportedConfigurations...)
	for name := range s.Server {
		names = append(names, name)
	}
	for _, name := range names {
		var v sql.NullString
		err := server.QueryRowContext(ctx, "SELECT CAST(value_in_use AS nvarchar(64)) FROM sys.configurations WHERE name = @p1", name).Scan(&v)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[name] = v.String
	}
	var compat int
	var rcsi bool
	var snapshot, recovery, qs string
	if err := scenario.QueryRowContext(ctx, databaseFactsQuery).Scan(&compat, &rcsi, &snapshot, &recovery, &qs); err != nil {
		return nil, err
	}
	out["compatibility_level"] = fmt.Sprint(compat)
	out["read_committed_snapshot"] = map[bool]string{true: "ON", false: "OFF"}[rcsi]
	out["snapshot_isolation"] = snapshot
	out["recovery_model"] = recovery
	out["query_store"] = qs
	return out, nil
}

// ExecScript runs a T-SQL script batch by batch (split at GO lines) on one connection; the
// error, an *engines.ScriptError, names the batch and the line of the script the server's
// error is on.
func ExecScript(ctx context.Context, db *sql.DB, script string) error {
	batches, err := sqlscript.Split(script, Batches)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %s", Explain(err))
	}
	defer conn.Close()
	for i, b := range batches {
		if _, err := conn.ExecContext(ctx, b.Text); err != nil {
			return &engines.ScriptError{Statement: i + 1, Line: ScriptLine(b.Line, err), Text: shorten(b.Text), Err: engines.Redact(err)}
		}
	}
	return nil
}

// ScriptLine is the line of a script a server error is on: the batch starts on batchLine
// and SQL Server counts lines from the batch's first.
func ScriptLine(batchLine int, err error) int {
	if n := errorLine(err); n > 0 {
		return batchLine + int(n) - 1
	}
	return batchLine
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("sqlserver: no random source: " + err.Error())
	}
	return hex.EncodeToString(b)
}
