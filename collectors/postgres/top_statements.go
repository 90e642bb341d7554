package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A Querier runs a query: *pgx.Conn, *pgxpool.Pool and pgx.Tx all are.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// A Statement is one normalized statement of pg_stat_statements with its totals, summed
// over users, for reports.
type Statement struct {
	QueryID      int64   `json:"queryid"`
	Database     string  `json:"database"`
	Query        string  `json:"query"`
	Calls        int64   `json:"calls"`
	Rows         int64   `json:"rows"`
	TotalSeconds float64 `json:"total_seconds"`
	MeanSeconds  float64 `json:"mean_seconds"`
	BlocksHit    int64   `json:"blocks_hit"`
	BlocksRead   int64   `json:"blocks_read"`
}

// topStatementsTextLen bounds the query text of a Statement, in runes.
const topStatementsTextLen = 2000

const topStatementsQuery = `SELECT s.queryid, d.datname, min(left(s.query, $2)),
  sum(s.calls)::int8, sum(s.rows)::int8, sum(s.total_exec_time)::float8 / 1000,
  sum(s.shared_blks_hit)::int8, sum(s.shared_blks_read)::int8
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE s.queryid IS NOT NULL
GROUP BY d.datname, s.queryid
ORDER BY sum(s.total_exec_time) DESC, s.queryid
LIMIT $1`

// TopStatements returns the n statements with the most total execution time, with their
// normalized query text. It needs the pg_stat_statements extension in the connected database.
func TopStatements(ctx context.Context, q Querier, n int) ([]Statement, error) {
	if n < 1 {
		return nil, fmt.Errorf("top statements: n must be positive, got %d", n)
	}
	rows, err := q.Query(ctx, topStatementsQuery, n, 2*topStatementsTextLen)
	if err != nil {
		return nil, statementsError("top statements", err)
	}
	defer rows.Close()
	var out []Statement
	for rows.Next() {
		var s Statement
		if err := rows.Scan(&s.QueryID, &s.Database, &s.Query, &s.Calls, &s.Rows,
			&s.TotalSeconds, &s.BlocksHit, &s.BlocksRead); err != nil {
			return nil, fmt.Errorf("top statements: %w", err)
		}
		s.Query = NormalizeQuery(s.Query, topStatementsTextLen)
		if s.Calls > 0 {
			s.MeanSeconds = s.TotalSeconds / float64(s.Calls)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("top statements: %w", err)
	}
	return out, nil
}
