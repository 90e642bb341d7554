package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbharness/dbharness/workloads"
)

// connect opens one connection; the error names the address, never the DSN.
func connect(ctx context.Context, t workloads.Target) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(t.DSN)
	if err != nil {
		// Note: the parse error may quote the DSN; say only that it is malformed.
		return nil, fmt.Errorf("parse the DSN of %s: malformed connection string", t)
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", t.Address(), err)
	}
	return c, nil
}

// pgbenchScale reads the scale of the pgbench dataset the way pgbench does (the number of
// branches), and says how to load it when it is missing.
func pgbenchScale(ctx context.Context, c *pgx.Conn, workload string) (int, error) {
	var n int
	err := c.QueryRow(ctx, "SELECT count(*) FROM pgbench_branches").Scan(&n)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return 0, fmt.Errorf("%s: the pgbench tables do not exist: load the pgbench dataset first: Given the \"pgbench\" dataset at scale N", workload)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: read the pgbench scale: %w", workload, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%s: pgbench_branches is empty: load the pgbench dataset first: Given the \"pgbench\" dataset at scale N", workload)
	}
	return n, nil
}

// session is a worker's connection, reopened before the next operation if it broke (so a
// restarted database is picked up again, and each broken operation counts as one error).
type session struct {
	t      workloads.Target
	c      *pgx.Conn
	failed time.Time // when the last connect failed
}

// reconnectPause is the least time between two connects of a worker that failed.
const reconnectPause = 20 * time.Millisecond

func (s *session) conn(ctx context.Context) (*pgx.Conn, error) {
	if s.c != nil && !s.c.IsClosed() {
		return s.c, nil
	}
	if s.c != nil {
		_ = s.c.Close(ctx)
		s.c = nil
	}
	// Note: a primary that is down (a failover under way) refuses at once; without a pause
	// every worker would spin on connects, an error each, and starve the recovery of CPU.
	if wait := time.Until(s.failed.Add(reconnectPause)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c, err := connect(ctx, s.t)
	if err != nil {
		s.failed = time.Now()
		return nil, err
	}
	s.c = c
	return c, nil
}

func (s *session) Close(ctx context.Context) error {
	if s.c == nil {
		return nil
	}
	err := s.c.Close(ctx)
	s.c = nil
	return err
}
