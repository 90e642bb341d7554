package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// Failover promotes a replica: target "" or the primary's name picks the replica that
// received the most WAL, a replica's name picks that one. A running primary is shut down
// cleanly first (it sends its replicas every WAL record as it goes), so nothing it
// acknowledged is lost, and it rejoins as a replica of the new primary; a primary that is
// down stays down (RestartNode brings it back as a replica). The other replicas are
// repointed to the new primary.
func (c *cluster) Failover(ctx context.Context, target string) error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	old := c.primaryMember()
	switch old.node.State() {
	case nodes.Paused:
		return fmt.Errorf("postgresql %s: the primary %s is paused (alive but silent): resume or kill it first; a promotion now would make two primaries", Replicated, old.node.Name)
	}
	cand, err := c.candidate(ctx, target, old)
	if err != nil {
		return err
	}
	planned := old.node.State() == nodes.Running
	if planned {
		if err := c.set.Stop(ctx, old.node.Name); err != nil {
			return fmt.Errorf("postgresql %s: failover: stop the primary %s: %w", Replicated, old.node.Name, err)
		}
		if err := c.waitShutdownCheckpoint(ctx, old, cand); err != nil {
			return errors.Join(err, c.rollback(ctx, old))
		}
	}
	if err := c.promote(ctx, cand); err != nil {
		if planned {
			err = errors.Join(err, c.rollback(ctx, old))
		}
		return err
	}
	c.mu.Lock()
	for i, m := range c.members {
		if m == cand {
			c.primary = i
		}
	}
	c.mu.Unlock()
	c.log.Info("replica promoted", "node", cand.node.Name, "addr", cand.addr(), "old primary", old.node.Name, "planned", planned)
	var errs []error
	for _, m := range c.members {
		if m == cand || m == old || !m.node.Reachable() {
			continue
		}
		errs = append(errs, c.repoint(ctx, m, cand))
	}
	if planned {
		errs = append(errs, c.set.Restart(ctx, old.node.Name))
	}
	return errors.Join(errs...)
}

// rollback starts a cleanly stopped primary again as the primary, after a planned failover
// that could not promote.
func (c *cluster) rollback(ctx context.Context, old *member) error {
	if err := c.set.Restart(context.WithoutCancel(ctx), old.node.Name); err != nil {
		return fmt.Errorf("and the old primary %s could not be started again: %w", old.node.Name, err)
	}
	return nil
}

// candidate is the replica to promote.
func (c *cluster) candidate(ctx context.Context, target string, old *member) (*member, error) {
	if target != "" && target != old.node.Name {
		m, err := c.member(target)
		if err != nil {
			return nil, err
		}
		if !m.node.Reachable() {
			return nil, fmt.Errorf("postgresql %s: failover to %s: the node is %s", Replicated, target, m.node.State())
		}
		return m, nil
	}
	var best *member
	var bestLSN int64 = -1
	var problems []string
	for _, m := range c.members {
		if m == old {
			continue
		}
		if !m.node.Reachable() {
			problems = append(problems, fmt.Sprintf("%s is %s", m.node.Name, m.node.State()))
			continue
		}
		var lsn int64
		err := queryNode(ctx, m, func(conn *pgx.Conn) error {
			return conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), '0/0')::int8`).Scan(&lsn)
		})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", m.node.Name, err))
			continue
		}
		if lsn > bestLSN {
			best, bestLSN = m, lsn
		}
	}
	if best == nil {
		return nil, fmt.Errorf("postgresql %s: no replica can be promoted: %s", Replicated, strings.Join(problems, "; "))
	}
	return best, nil
}

var checkpointLine = regexp.MustCompile(`(?m)^Latest checkpoint location:\s+([0-9A-F]+/[0-9A-F]+)$`)

// waitShutdownCheckpoint waits until cand received the shutdown checkpoint of the cleanly
// stopped primary old: then it has every record old wrote.
func (c *cluster) waitShutdownCheckpoint(ctx context.Context, old, cand *member) error {
	out, err := c.runOutput(ctx, filepath.Join(c.binDir, "pg_controldata"), "-D", old.data)
	if err != nil {
		return fmt.Errorf("postgresql %s: failover: read the last checkpoint of %s: %w", Replicated, old.node.Name, err)
	}
	m := checkpointLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("postgresql %s: failover: pg_controldata of %s names no checkpoint location:\n%s", Replicated, old.node.Name, out)
	}
	var last string
	err = waitFor(ctx, 30*time.Second, func(ctx context.Context) error {
		var done bool
		err := queryNode(ctx, cand, func(conn *pgx.Conn) error {
			return conn.QueryRow(ctx, `SELECT COALESCE(pg_last_wal_receive_lsn() > $1::pg_lsn, false), COALESCE(pg_last_wal_receive_lsn()::text, 'none')`, m[1]).Scan(&done, &last)
		})
		if err != nil {
			return err
		}
		if !done {
			return fmt.Errorf("it received WAL up to %s, the shutdown checkpoint is at %s", last, m[1])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgresql %s: failover: %s did not receive the last WAL of %s: %w", Replicated, cand.node.Name, old.node.Name, err)
	}
	return nil
}

// promote ends recovery on m and waits until it takes writes.
func (c *cluster) promote(ctx context.Context, m *member) error {
	var ok bool
	err := queryNode(ctx, m, func(conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, "SELECT pg_promote(true, 60)").Scan(&ok); err != nil || !ok {
			return err
		}
		// Note: the control file names the new timeline only after a checkpoint; pg_rewind
		// reads it there and, before one, sees nothing to rewind.
		_, err := conn.Exec(ctx, "CHECKPOINT")
		return err
	})
	if err == nil && !ok {
		err = errors.New("pg_promote answered false (not promoted within 60s)")
	}
	if err != nil {
		return fmt.Errorf("postgresql %s: promote %s at %s: %w\n--- last lines of its log ---\n%s", Replicated, m.node.Name, m.addr(), err, m.node.LogTail(10))
	}
	return nil
}

// repoint makes a running replica stream from primary (primary_conninfo is reloaded without
// a restart; with recovery_target_timeline latest it follows the new timeline).
func (c *cluster) repoint(ctx context.Context, m, primary *member) error {
	err := queryNode(ctx, m, func(conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "ALTER SYSTEM SET primary_conninfo = '"+conninfo(m, primary)+"'"); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, "SELECT pg_reload_conf()")
		return err
	})
	if err != nil {
		return fmt.Errorf("postgresql %s: repoint %s to %s: %w", Replicated, m.node.Name, primary.node.Name, err)
	}
	return nil
}

// prepareRejoin runs before a node restarts: a node that is not the primary any more
// becomes a replica of the one there is now; one that was a primary is rewound first
// (pg_rewind), since its history may have gone on past the promotion of the new primary.
func (c *cluster) prepareRejoin(ctx context.Context, m *member) error {
	p := c.primaryMember()
	if p == m {
		return nil // the primary comes back as the primary
	}
	if _, err := os.Stat(filepath.Join(m.data, "standby.signal")); os.IsNotExist(err) {
		if !p.node.Reachable() {
			return fmt.Errorf("postgresql %s: %s must rejoin as a replica of %s, which is %s: restart %s first", Replicated, m.node.Name, p.node.Name, p.node.State(), p.node.Name)
		}
		src := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres", p.port)
		if _, err := c.runOutput(ctx, filepath.Join(c.binDir, "pg_rewind"), "-D", m.data, "--source-server="+src, "--no-sync"); err != nil {
			return fmt.Errorf("postgresql %s: rewind %s to rejoin %s as a replica: %w", Replicated, m.node.Name, p.node.Name, err)
		}
		c.log.Info("old primary rewound", "node", m.node.Name, "primary", p.node.Name)
	}
	return c.makeStandby(m, p)
}

// runOutput runs a PostgreSQL tool to completion as the servers' user and returns what it
// printed; the error carries it too.
func (c *cluster) runOutput(ctx context.Context, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if c.runAs != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.runAs.UID, Gid: c.runAs.GID}
	}
	err := native.StartCmd(cmd) // Pdeathsig: forked from the spawner's thread
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(path), strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// queryNode runs fn on a fresh connection to one node.
func queryNode(ctx context.Context, m *member, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, m.adminDSN())
	if err != nil {
		return errors.New(engines.RedactDSN(err.Error()))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return fn(conn)
}

// waitFor calls check every 50 ms until it passes or limit runs out, and returns its last
// error.
func waitFor(ctx context.Context, limit time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		err := check(attempt)
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %s: %w", limit, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
