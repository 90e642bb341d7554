package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// advisorTables is how many of the user's largest tables the Segment Advisor looks at.
const advisorTables = 20

// Note: the task is the session user's, on its own largest tables; DBMS_ADVISOR needs the
// ADVISOR privilege. The task is deleted when its recommendations have been read.
const advisorRun = `DECLARE
  v_task_id NUMBER;
  v_object  NUMBER;
BEGIN
  DBMS_ADVISOR.CREATE_TASK(advisor_name => 'Segment Advisor', task_id => v_task_id, task_name => :1);
  FOR t IN (SELECT segment_name FROM (
              SELECT segment_name, SUM(bytes) AS bytes FROM user_segments
               WHERE segment_type IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')
               GROUP BY segment_name ORDER BY SUM(bytes) DESC)
             WHERE ROWNUM <= :2) LOOP
    DBMS_ADVISOR.CREATE_OBJECT(task_name => :3, object_type => 'TABLE', attr1 => USER, attr2 => t.segment_name,
      attr3 => NULL, attr4 => NULL, attr5 => NULL, object_id => v_object);
  END LOOP;
  DBMS_ADVISOR.SET_TASK_PARAMETER(task_name => :4, parameter => 'recommend_all', value => 'TRUE');
  DBMS_ADVISOR.EXECUTE_TASK(task_name => :5);
  :6 := v_task_id;
END;`

// advisorRecommendations are the task's recommendations: segments with space to reclaim,
// and the DDL that would (C1 to C3).
const advisorRecommendations = `SELECT tablespace_name, segment_owner, segment_name, segment_type, partition_name,
  allocated_space, used_space, reclaimable_space, recommendations, c1, c2, c3
FROM TABLE(DBMS_SPACE.ASA_RECOMMENDATIONS('FALSE', 'TRUE', 'FALSE')) WHERE task_id = :1`

// runSegmentAdvisor runs the Segment Advisor on the user's largest tables and returns its
// findings, or a gap saying why it could not.
func runSegmentAdvisor(ctx context.Context, db *sql.DB) []collectors.Finding {
	conn, err := db.Conn(ctx)
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindSegment, "no connection for the Segment Advisor: "+err.Error())}
	}
	defer conn.Close()
	task := fmt.Sprintf("DBHARNESS_SEGADV_%d", time.Now().UnixNano()%1e12)
	var taskID float64
	if _, err := conn.ExecContext(ctx, advisorRun, task, advisorTables, task, task, task, sql.Out{Dest: &taskID}); err != nil {
		return []collectors.Finding{collectors.Gap(KindSegment, "the Segment Advisor did not run: "+advisorHint(err))}
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "BEGIN DBMS_ADVISOR.DELETE_TASK(:1); END;", task)
	rows, err := answer.Query(ctx, conn, advisorRecommendations, int64(taskID))
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindSegment, "the Segment Advisor's recommendations could not be read: "+err.Error())}
	}
	fs, err := parseSegmentAdvice(rows)
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindSegment, err.Error())}
	}
	return fs
}

func advisorHint(err error) string {
	if strings.Contains(err.Error(), "ORA-13616") || strings.Contains(err.Error(), "ORA-01031") {
		return err.Error() + " (the user needs the ADVISOR privilege: GRANT ADVISOR TO it)"
	}
	return err.Error()
}

// parseSegmentAdvice turns ASA_RECOMMENDATIONS rows into findings, the most space to
// reclaim first.
func parseSegmentAdvice(rows []answer.Row) ([]collectors.Finding, error) {
	var out []collectors.Finding
	for i, r := range rows {
		v := map[string]float64{}
		for key, col := range map[string]string{"allocated_bytes": "ALLOCATED_SPACE", "used_bytes": "USED_SPACE", "reclaimable_bytes": "RECLAIMABLE_SPACE"} {
			x, err := r.Float(col)
			if err != nil {
				return nil, fmt.Errorf("Segment Advisor row %d: %w", i+1, err)
			}
			v[key] = x
		}
		subject := r.Trimmed("SEGMENT_TYPE") + " " + r.Trimmed("SEGMENT_NAME")
		if p := r.Trimmed("PARTITION_NAME"); p != "" {
			subject += "." + p
		}
		var ddl []string
		for _, c := range []string{"C1", "C2", "C3"} {
			if s := strings.Join(strings.Fields(r.Text(c)), " "); s != "" {
				ddl = append(ddl, s)
			}
		}
		summary := fmt.Sprintf("%s: %s of %s allocated can be reclaimed (%s used): %s", subject, bytesText(v["reclaimable_bytes"]),
			bytesText(v["allocated_bytes"]), bytesText(v["used_bytes"]), strings.Join(strings.Fields(r.Text("RECOMMENDATIONS")), " "))
		if len(ddl) > 0 {
			summary += " [" + strings.Join(ddl, "; ") + "]"
		}
		out = append(out, collectors.Finding{Kind: KindSegment, Subject: subject, Summary: summary, Values: v, Apply: segmentApply(ddl),
			Method: "Segment Advisor task (DBMS_ADVISOR, recommend_all) on the user's " + fmt.Sprint(advisorTables) + " largest tables after the load, read from DBMS_SPACE.ASA_RECOMMENDATIONS"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Values["reclaimable_bytes"] > out[j].Values["reclaimable_bytes"] })
	return out, nil
}

// bytesText writes a size in binary units: 78 MiB.
func bytesText(b float64) string {
	for _, u := range []string{"B", "KiB", "MiB", "GiB"} {
		if b < 1024 || u == "GiB" {
			if u == "B" {
				return fmt.Sprintf("%.0f B", b)
			}
			return fmt.Sprintf("%.1f %s", b, u)
		}
		b /= 1024
	}
	return ""
}

// segmentApply is the script that carries out the advice, for `the top segment finding is
// applied`: row movement enabled first (a shrink needs it), then the full shrink rather
// than its COMPACT half, or the move or compress the advisor wrote; one statement a line,
// as the engine's scripts split (";" ends each).
func segmentApply(ddl []string) string {
	var first, rest []string
	full := false
	for _, d := range ddl {
		l := strings.ToLower(d)
		if strings.HasSuffix(l, "shrink space") {
			full = true
		}
	}
	for _, d := range ddl {
		l := strings.ToLower(d)
		switch {
		case strings.HasSuffix(l, "enable row movement"):
			first = append(first, d)
		case full && strings.HasSuffix(l, "shrink space compact"):
		default:
			rest = append(rest, d)
		}
	}
	if len(rest) == 0 {
		return ""
	}
	return strings.Join(append(first, rest...), ";\n") + ";"
}
