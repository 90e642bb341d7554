package sqlserver

import (
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// hashIndexesQuery reads the hash indexes of the database's memory-optimized tables.
//
// Note: the view scans every table it reports on; the analysis reads it, the scrapers never.
const hashIndexesQuery = `SELECT OBJECT_SCHEMA_NAME(hs.object_id) AS schema_name, OBJECT_NAME(hs.object_id) AS table_name, i.name AS index_name,
  hs.total_bucket_count, hs.empty_bucket_count, hs.avg_chain_length, hs.max_chain_length
FROM sys.dm_db_xtp_hash_index_stats hs
JOIN sys.indexes i ON i.object_id = hs.object_id AND i.index_id = hs.index_id
WHERE hs.object_id > 0`

// hashIndexFindings are the hash indexes with a bucket count that does not fit their rows:
// under 10% of the buckets empty (too few buckets), or chains over 10 rows long on average
// with more than 10% empty (many duplicate keys), as sys.dm_db_xtp_hash_index_stats's
// documentation reads them.
func hashIndexFindings(rows []engine.Row, method string) ([]collectors.Finding, error) {
	if err := engine.RequireColumns(rows, "schema_name", "table_name", "index_name", "total_bucket_count", "empty_bucket_count",
		"avg_chain_length", "max_chain_length"); err != nil {
		return nil, err
	}
	var out []collectors.Finding
	for _, r := range rows {
		subject := r.String("schema_name") + "." + r.String("table_name") + "." + r.String("index_name")
		total, ok1 := r.Float("total_bucket_count")
		empty, ok2 := r.Float("empty_bucket_count")
		avg, ok3 := r.Float("avg_chain_length")
		longest, ok4 := r.Float("max_chain_length")
		if !ok1 || !ok2 || !ok3 || !ok4 || total <= 0 {
			return nil, fmt.Errorf("hash index %s: the bucket statistics are not numbers", subject)
		}
		ratio := empty / total
		var summary string
		switch {
		case ratio < 0.10:
			summary = fmt.Sprintf("%s has too few buckets: %.0f%% of its %g buckets are empty and chains average %.1f rows (longest %g): rebuild it with a BUCKET_COUNT of 1 to 2 times its distinct keys", subject, 100*ratio, total, avg, longest)
		case avg > 10:
			summary = fmt.Sprintf("%s has many duplicate keys: chains average %.1f rows (longest %g) while %.0f%% of its buckets are empty: a nonclustered index serves such keys better", subject, avg, longest, 100*ratio)
		default:
			continue
		}
		out = append(out, collectors.Finding{Kind: KindHashIndex, Subject: subject, Summary: summary, Method: method,
			Values: map[string]float64{"buckets": total, "empty_bucket_ratio": ratio, "avg_chain_length": avg, "max_chain_length": longest}})
	}
	return out, nil
}
