package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// timeModelStats are the rows of V$SYS_TIME_MODEL the collector reads (values in
// microseconds): DB time is what sessions spent in database calls, on CPU or waiting.
var timeModelStats = func() []statistic {
	s := func(stat, name, help string) statistic {
		return statistic{stat, 1e-6, metric(name, catalog.Counter, catalog.Seconds, "gv$sys_time_model '"+stat+"'", help, "inst_id")}
	}
	return []statistic{
		s("DB time", "oracledb_db_time_seconds_total", "Time foreground sessions spent in database calls, on CPU or in non-idle waits."),
		s("DB CPU", "oracledb_db_cpu_seconds_total", "CPU time foreground sessions spent in database calls."),
		s("sql execute elapsed time", "oracledb_sql_execute_elapsed_seconds_total", "Time spent executing SQL."),
		s("parse time elapsed", "oracledb_parse_elapsed_seconds_total", "Time spent parsing, hard and soft."),
		s("hard parse elapsed time", "oracledb_hard_parse_elapsed_seconds_total", "Time spent in hard parses."),
		s("PL/SQL execution elapsed time", "oracledb_plsql_execution_elapsed_seconds_total", "Time spent running the PL/SQL interpreter."),
	}
}()

var sysTimeModelQuery = func() string {
	names := make([]string, len(timeModelStats))
	for i, s := range timeModelStats {
		names[i] = "'" + s.name + "'"
	}
	return "SELECT inst_id, stat_name, value FROM gv$sys_time_model WHERE stat_name IN (" + strings.Join(names, ", ") + ")"
}()

func init() {
	for _, s := range timeModelStats {
		catalog.Register(s.metric)
	}
}

// sysTimeModel scrapes GV$SYS_TIME_MODEL: DB time, DB CPU, parse and PL/SQL time.
type sysTimeModel struct{}

// Name implements collectors.Scraper.
func (sysTimeModel) Name() string { return "sys_time_model" }

// Scrape implements collectors.Scraper.
func (s sysTimeModel) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, sysTimeModelQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseTimeModel(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

func parseTimeModel(rows []answer.Row) ([]sample, error) {
	var out []sample
	for i, r := range rows {
		for _, st := range timeModelStats {
			if r.Text("STAT_NAME") != st.name {
				continue
			}
			v, err := r.Float("VALUE")
			if err != nil {
				return nil, fmt.Errorf("row %d (%s): %w", i+1, st.name, err)
			}
			out = append(out, sample{st.metric.Name, v * st.scale, []string{r.Trimmed("INST_ID")}})
		}
	}
	return out, nil
}
