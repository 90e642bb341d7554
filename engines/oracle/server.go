package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"

	_ "github.com/sijms/go-ora/v2" // the "oracle" database/sql driver

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// A Server is what the engine reads from a running database for the result: its version
// and edition, its instances (several on RAC) and the settings that change what a benchmark
// measures.
type Server struct {
	Version   string
	Edition   string // "Free", "Enterprise Edition", "Standard Edition 2", ...
	Instances []Instance
	Settings  map[string]string
}

// An Instance is one row of GV$INSTANCE.
type Instance struct {
	ID     int64 // INST_ID, the label every metric carries
	Name   string
	Host   string
	Status string // OPEN, MOUNTED, ...
}

// The queries readServer runs. Note: VERSION_FULL is there from 18c on, the oldest release
// Oracle still supports.
const (
	instancesQuery = `SELECT inst_id, instance_number, instance_name, host_name, version_full, status, database_status FROM gv$instance ORDER BY inst_id`
	bannerQuery    = `SELECT banner FROM v$version WHERE banner LIKE 'Oracle%'`
)

// reportedSettings are read back into the result's environment: they change what a
// benchmark measures, and control_management_pack_access says whether AWR and ASH may be
// used at all.
var reportedSettings = []string{
	"control_management_pack_access", "statistics_level", "cpu_count", "sga_target", "pga_aggregate_target",
	"db_block_size", "processes", "sessions", "optimizer_mode", "cursor_sharing", "open_cursors",
	"db_file_multiblock_read_count", "undo_retention", "compatible",
}

func settingsQuery(extra []string) string {
	names := append(append([]string(nil), reportedSettings...), extra...)
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + strings.ReplaceAll(strings.ToLower(n), "'", "''") + "'"
	}
	return "SELECT name, value FROM v$parameter WHERE name IN (" + strings.Join(quoted, ", ") + ")"
}

// readServer reads the server's facts; extra names settings the scenario set.
func readServer(ctx context.Context, db answer.Querier, addr string, extra []string) (Server, error) {
	var s Server
	rows, err := answer.Query(ctx, db, instancesQuery)
	if err != nil {
		return s, fmt.Errorf("oracle at %s: read gv$instance: %w%s", addr, engines.Redact(err), GrantHint(err))
	}
	if s.Instances, s.Version, err = ParseInstances(rows); err != nil {
		return s, fmt.Errorf("oracle at %s: gv$instance: %w", addr, err)
	}
	rows, err = answer.Query(ctx, db, bannerQuery)
	if err != nil {
		return s, fmt.Errorf("oracle at %s: read v$version: %w%s", addr, engines.Redact(err), GrantHint(err))
	}
	s.Edition = ParseEdition(rows)
	rows, err = answer.Query(ctx, db, settingsQuery(extra))
	if err != nil {
		return s, fmt.Errorf("oracle at %s: read v$parameter: %w%s", addr, engines.Redact(err), GrantHint(err))
	}
	s.Settings = ParseSettings(rows)
	return s, nil
}

// GrantHint says what to grant when an error is ORA-00942 or ORA-01031.
func GrantHint(err error) string {
	switch Code(err) {
	case 942, 1031:
		return " (the user cannot read the dynamic performance views: grant it SELECT_CATALOG_ROLE, or SELECT on the V_$ views docs/databases/oracle.md lists)"
	}
	return ""
}

// ParseInstances reads GV$INSTANCE rows: the instances by INST_ID, and the version of the
// first (VERSION_FULL; VERSION where a recording has only that).
func ParseInstances(rows []answer.Row) ([]Instance, string, error) {
	if len(rows) == 0 {
		return nil, "", fmt.Errorf("no instance: the view answered no row")
	}
	var out []Instance
	version := ""
	for i, r := range rows {
		id, err := r.Int("INST_ID")
		if err != nil {
			return nil, "", fmt.Errorf("row %d: %w", i+1, err)
		}
		out = append(out, Instance{ID: id, Name: r.Trimmed("INSTANCE_NAME"), Host: r.Trimmed("HOST_NAME"), Status: r.Trimmed("STATUS")})
		if version == "" {
			version = r.Trimmed("VERSION_FULL")
			if version == "" {
				version = r.Trimmed("VERSION")
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, version, nil
}

// bannerEdition is the edition in V$VERSION's banner: "Oracle Database 19c Enterprise
// Edition Release 19.0.0.0.0 - Production", "Oracle Database 23ai Free Release 23.0.0.0.0 -
// Develop, Learn, and Run for Free", and from 23.26 "Oracle AI Database 26ai Free Release".
var bannerEdition = regexp.MustCompile(`^Oracle (?:AI )?Database \S+ (.+?) Release\b`)

// ParseEdition reads the edition from V$VERSION's banner rows; "" when none reads so.
func ParseEdition(rows []answer.Row) string {
	for _, r := range rows {
		if m := bannerEdition.FindStringSubmatch(strings.TrimSpace(r.Text("BANNER"))); m != nil {
			return m[1]
		}
	}
	return ""
}

// ParseSettings reads V$PARAMETER's NAME and VALUE rows.
func ParseSettings(rows []answer.Row) map[string]string {
	out := map[string]string{}
	for _, r := range rows {
		if name := r.Trimmed("NAME"); name != "" {
			out[name] = r.Trimmed("VALUE")
		}
	}
	return out
}

// Topology is how the result names the server's shape.
func (s Server) Topology() string {
	if len(s.Instances) <= 1 {
		return engines.Standalone
	}
	names := make([]string, len(s.Instances))
	for i, in := range s.Instances {
		names[i] = fmt.Sprintf("%d=%s", in.ID, in.Name)
	}
	return fmt.Sprintf("rac (%d instances: %s)", len(s.Instances), strings.Join(names, ", "))
}

// info fills what the result records about the instance.
func (s Server) info(provider engines.Provider, addr string) engines.Info {
	settings := map[string]string{}
	for k, v := range s.Settings {
		settings[k] = v
	}
	if s.Edition != "" {
		settings["edition"] = s.Edition
	}
	return engines.Info{Engine: Name, Flavor: "oracle", Version: s.Version, Provider: provider,
		Topology: s.Topology(), Address: addr, Settings: settings}
}

// openDB opens a database/sql handle on dsn through go-ora. Nothing connects yet.
func openDB(dsn string) *sql.DB {
	db, _ := sql.Open("oracle", dsn) // Note: only an unknown driver name fails here.
	return db
}
