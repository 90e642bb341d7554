package oracle

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

var (
	tablespaceUsed = metric("oracledb_tablespace_used_bytes", catalog.Gauge, catalog.Bytes,
		"dba_tablespace_usage_metrics.used_space × dba_tablespaces.block_size",
		"Space used in the tablespace.", "tablespace", "contents")
	tablespaceLimit = metric("oracledb_tablespace_limit_bytes", catalog.Gauge, catalog.Bytes,
		"dba_tablespace_usage_metrics.tablespace_size × dba_tablespaces.block_size",
		"Size the tablespace may reach, its data files' autoextend maxima counted.", "tablespace", "contents")
	tablespaceUsedRatio = metric("oracledb_tablespace_used_ratio", catalog.Gauge, catalog.Ratio,
		"dba_tablespace_usage_metrics.used_percent", "Used share of the size the tablespace may reach.", "tablespace", "contents")
)

func init() { catalog.Register(tablespaceUsed, tablespaceLimit, tablespaceUsedRatio) }

// Note: the sizes are in blocks of the tablespace's own block size.
const tablespaceQuery = `SELECT um.tablespace_name, ts.contents, ts.block_size, um.used_space, um.tablespace_size, um.used_percent
FROM dba_tablespace_usage_metrics um JOIN dba_tablespaces ts ON ts.tablespace_name = um.tablespace_name`

// tablespaceUsage scrapes DBA_TABLESPACE_USAGE_METRICS: each tablespace's use against the
// size it may grow to. It is database-wide, so it carries no inst_id.
type tablespaceUsage struct{}

// Name implements collectors.Scraper.
func (tablespaceUsage) Name() string { return "tablespace_usage" }

// Scrape implements collectors.Scraper.
func (s tablespaceUsage) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, tablespaceQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseTablespaces(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

func parseTablespaces(rows []answer.Row) ([]sample, error) {
	var out []sample
	for i, r := range rows {
		lv := []string{r.Trimmed("TABLESPACE_NAME"), r.Trimmed("CONTENTS")}
		var vals [4]float64
		for j, col := range []string{"BLOCK_SIZE", "USED_SPACE", "TABLESPACE_SIZE", "USED_PERCENT"} {
			v, err := r.Float(col)
			if err != nil {
				return nil, fmt.Errorf("row %d (%s): %w", i+1, lv[0], err)
			}
			vals[j] = v
		}
		block := vals[0]
		out = append(out, sample{tablespaceUsed.Name, vals[1] * block, lv}, sample{tablespaceLimit.Name, vals[2] * block, lv},
			sample{tablespaceUsedRatio.Name, vals[3] * percent, lv})
	}
	return out, nil
}
