package oracle

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// Note: a snapshot before and after the load makes an AWR window of exactly the load, for
// awrrpt.sql; it needs EXECUTE on DBMS_WORKLOAD_REPOSITORY and the Diagnostics Pack.
const awrSnapshot = `BEGIN :1 := DBMS_WORKLOAD_REPOSITORY.CREATE_SNAPSHOT(); END;`

// awrTimeModel is DB time and DB CPU between two snapshots, per instance, in microseconds.
const awrTimeModel = `SELECT e.instance_number, e.stat_name, e.value - b.value AS delta
FROM dba_hist_sys_time_model b JOIN dba_hist_sys_time_model e
  ON e.dbid = b.dbid AND e.instance_number = b.instance_number AND e.stat_id = b.stat_id
WHERE b.snap_id = :1 AND e.snap_id = :2 AND e.stat_name IN ('DB time', 'DB CPU')`

// takeSnapshot creates an AWR snapshot and returns its id.
func takeSnapshot(ctx context.Context, db *sql.DB) (int64, error) {
	var id float64
	if _, err := db.ExecContext(ctx, awrSnapshot, sql.Out{Dest: &id}); err != nil {
		return 0, fmt.Errorf("DBMS_WORKLOAD_REPOSITORY.CREATE_SNAPSHOT: %w", err)
	}
	if id <= 0 {
		return 0, fmt.Errorf("DBMS_WORKLOAD_REPOSITORY.CREATE_SNAPSHOT answered snapshot %v", id)
	}
	return int64(id), nil
}

// awrFinding closes the load's AWR window with a second snapshot and reports it.
func (c *Collector) awrFinding(ctx context.Context, begin int64) collectors.Finding {
	end, err := takeSnapshot(ctx, c.db)
	if err != nil {
		return collectors.Gap(KindAWR, "the AWR snapshot after the load failed: "+err.Error())
	}
	rows, err := answer.Query(ctx, c.db, awrTimeModel, begin, end)
	if err != nil {
		return collectors.Gap(KindAWR, "DBA_HIST_SYS_TIME_MODEL could not be read: "+err.Error())
	}
	f, err := parseAWRWindow(rows, begin, end)
	if err != nil {
		return collectors.Gap(KindAWR, err.Error())
	}
	return f
}

// parseAWRWindow turns the time model between two snapshots into the window's finding,
// summed over instances.
func parseAWRWindow(rows []answer.Row, begin, end int64) (collectors.Finding, error) {
	v := map[string]float64{"begin_snap_id": float64(begin), "end_snap_id": float64(end), "db_time_seconds": 0, "db_cpu_seconds": 0}
	for i, r := range rows {
		d, err := r.Float("DELTA")
		if err != nil {
			return collectors.Finding{}, fmt.Errorf("DBA_HIST_SYS_TIME_MODEL row %d: %w", i+1, err)
		}
		switch r.Trimmed("STAT_NAME") {
		case "DB time":
			v["db_time_seconds"] += d * 1e-6
		case "DB CPU":
			v["db_cpu_seconds"] += d * 1e-6
		}
	}
	subject := fmt.Sprintf("snapshots %d to %d", begin, end)
	return collectors.Finding{Kind: KindAWR, Subject: subject,
		Summary: fmt.Sprintf("AWR %s around the load: DB time %s, DB CPU %s; @?/rdbms/admin/awrrpt.sql with these snapshot ids reports the window in full",
			subject, seconds(v["db_time_seconds"]), seconds(v["db_cpu_seconds"])),
		Method: "DBMS_WORKLOAD_REPOSITORY.CREATE_SNAPSHOT at the mark and after the load; DBA_HIST_SYS_TIME_MODEL between them",
		Values: v}, nil
}
