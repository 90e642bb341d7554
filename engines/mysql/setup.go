package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// finish makes the started nodes one instance: the client account and database on the
// primary (they reach the replicas through replication), the replicas pointed at the
// primary and caught up, then the DSN, the facts the result keeps and the seed statements.
func (in *instance) finish(ctx context.Context, pl *plan) error {
	all := in.nodes()
	p := all[0]
	if err := in.createAccounts(ctx, p, pl.password); err != nil {
		return err
	}
	in.target = Target{Scheme: SchemeStandalone, Addrs: []string{p.Addr}, User: ClientUser, Password: pl.password,
		Database: DefaultDatabase, Params: map[string]string{}}
	if pl.topology == Replicated {
		if err := in.admin.exec(ctx, p, "SET GLOBAL read_only = OFF"); err != nil {
			return fmt.Errorf("mysql replicated: open the primary: %w", err)
		}
		d := dialectFor(in.flavor)
		for _, r := range all[1:] {
			if err := in.pointAt(ctx, r, p, "slave_pos"); err != nil {
				return err
			}
		}
		if err := in.waitCaughtUp(ctx, d, p, all[1:]); err != nil {
			return err
		}
		if err := in.setSemiSync(ctx, p, true); err != nil {
			return err
		}
		in.target.Scheme = SchemeReplicated
		in.target.Addrs = nil
		for _, n := range all {
			in.target.Addrs = append(in.target.Addrs, n.Addr)
		}
	}
	in.meta.Address = in.target.Address()
	if err := in.readInfo(ctx, p, slices.Collect(maps.Keys(pl.spec.Settings))); err != nil {
		return err
	}
	return in.seed(ctx, p, pl.spec.Seed)
}

// createAccounts makes the client account (all privileges but writing to a read-only
// server: workloads create tables, procedures and triggers, the collector reads
// performance_schema and the InnoDB status)
// and the database, and drops the passwordless root accounts that reach the server over
// TCP: only the socket lets root in.
func (in *instance) createAccounts(ctx context.Context, p *node, password string) error {
	db := in.admin.open(p)
	defer db.Close()
	qctx, cancel := context.WithTimeout(ctx, adminTimeout)
	rows, err := db.QueryContext(qctx, "SELECT User, Host FROM mysql.user WHERE User = 'root' AND Host <> 'localhost'")
	var drops []string
	if err == nil {
		for rows.Next() {
			var u, h string
			if rows.Scan(&u, &h) == nil {
				drops = append(drops, fmt.Sprintf("DROP USER '%s'@'%s'", u, strings.ReplaceAll(h, "'", "''")))
			}
		}
		rows.Close()
	}
	cancel()
	if err != nil {
		return fmt.Errorf("mysql at %s: list the root accounts: %s", p.Addr, engines.RedactDSN(err.Error()))
	}
	stmts := append(drops,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", ClientUser, password),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION", ClientUser),
		// Note: ALL includes READ_ONLY ADMIN, which would let clients write to a replica.
		fmt.Sprintf("REVOKE READ_ONLY ADMIN ON *.* FROM '%s'@'%%'", ClientUser),
		"CREATE DATABASE "+DefaultDatabase)
	if err := in.admin.exec(ctx, p, stmts...); err != nil {
		return fmt.Errorf("mysql: create the client account: %w", err)
	}
	return nil
}

// pointAt makes r a replica of p, starting from its position from ("slave_pos" for a
// replica, "current_pos" for a node that wrote transactions of its own).
func (in *instance) pointAt(ctx context.Context, r, p *node, from string) error {
	d := dialectFor(in.flavor)
	host, port, _ := strings.Cut(p.Addr, ":")
	err := in.admin.exec(ctx, r, "SET GLOBAL read_only = ON", d.Stop,
		d.ChangeSource(host, port, in.target.User, in.target.Password, from), d.Start)
	if err != nil {
		return fmt.Errorf("mysql %s: make %s a replica of %s: %w", in.topology, r.Name, p.Name, err)
	}
	return nil
}

// setSemiSync switches the primary side of semi-synchronous replication on or off on n,
// when the topology asked for it.
func (in *instance) setSemiSync(ctx context.Context, n *node, on bool) error {
	if !in.semiSync {
		return nil
	}
	v := "OFF"
	if on {
		v = "ON"
	}
	if err := in.admin.exec(ctx, n, "SET GLOBAL rpl_semi_sync_master_enabled = "+v); err != nil {
		return fmt.Errorf("mysql %s: semi-synchronous replication on %s: %w", in.topology, n.Name, err)
	}
	return nil
}

// replicaStatus reads the replication status of a node (an empty map on a primary).
func (in *instance) replicaStatus(ctx context.Context, db *sql.DB) (map[string]string, error) {
	return row(ctx, db, dialectFor(in.flavor).Status)
}

// position reads one of a node's GTID positions.
func position(ctx context.Context, d Dialect, db *sql.DB, query string) (Position, error) {
	r, err := row(ctx, db, query)
	if err != nil {
		return Position{}, err
	}
	return d.ParsePosition(r["pos"])
}

// replicaState is what a replica says about its replication.
type replicaState struct {
	status  map[string]string
	applied Position
}

// readReplica reads a replica's status and applied position.
func (in *instance) readReplica(ctx context.Context, d Dialect, r *node) (replicaState, error) {
	db := in.admin.open(r)
	defer db.Close()
	st, err := in.replicaStatus(ctx, db)
	if err != nil {
		return replicaState{}, fmt.Errorf("%s: %s", d.Status, engines.RedactDSN(err.Error()))
	}
	applied, err := position(ctx, d, db, d.AppliedPosition)
	if err != nil {
		return replicaState{}, fmt.Errorf("read the applied GTID position: %s", engines.RedactDSN(err.Error()))
	}
	return replicaState{status: st, applied: applied}, nil
}

// problem says what is wrong with a replica's replication from primary (host:port), or "".
func (s replicaState) problem(d Dialect, primary string) string {
	st := s.status
	if len(st) == 0 {
		return "replication is not configured"
	}
	var p []string
	if src := st[d.SourceHost] + ":" + st[d.SourcePort]; src != primary {
		p = append(p, "replicates from "+src+", not from the primary "+primary)
	}
	if v := st[d.IORunning]; v != "Yes" {
		e := "the I/O thread is " + strings.ToLower(v)
		if msg := st[d.LastIOError]; msg != "" {
			e += ": " + msg
		}
		p = append(p, e)
	}
	if v := st[d.SQLRunning]; v != "Yes" {
		e := "the SQL thread is " + strings.ToLower(v)
		if msg := st[d.LastSQLError]; msg != "" {
			e += ": " + msg
		}
		p = append(p, e)
	}
	return strings.Join(p, "; ")
}

// waitCaughtUp waits until every replica replicates from p without error and has applied
// everything p had written when the wait began.
func (in *instance) waitCaughtUp(ctx context.Context, d Dialect, p *node, replicas []*node) error {
	db := in.admin.open(p)
	pos, err := position(ctx, d, db, d.PrimaryPosition)
	db.Close()
	if err != nil {
		return fmt.Errorf("mysql %s: read the primary's GTID position at %s: %s", in.topology, p.Addr, engines.RedactDSN(err.Error()))
	}
	for _, r := range replicas {
		var last string
		err := poll(ctx, 20*time.Millisecond, func(ctx context.Context) error {
			s, err := in.readReplica(ctx, d, r)
			if err != nil {
				last = err.Error()
				return err
			}
			if pr := s.problem(d, p.Addr); pr != "" {
				last = pr
				return fmt.Errorf("%s", pr)
			}
			if n := pos.Missing(s.applied); n > 0 {
				last = fmt.Sprintf("%d transactions behind (applied %s, the primary has %s)", n, s.applied, pos)
				return fmt.Errorf("%s", last)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("mysql %s: replica %s at %s did not catch up with %s: %s\n--- last lines of %s's log ---\n%s",
				in.topology, r.Name, r.Addr, p.Name, last, r.Name, r.LogTail(10))
		}
	}
	return nil
}

// readInfo records the server version and the settings that matter for a benchmark.
func (in *instance) readInfo(ctx context.Context, p *node, extra []string) error {
	db := in.admin.open(p)
	defer db.Close()
	v, err := row(ctx, db, "SELECT VERSION() AS v")
	if err != nil {
		return fmt.Errorf("mysql at %s: read the version: %s", p.Addr, engines.RedactDSN(err.Error()))
	}
	in.meta.Version = v["v"]
	names := slices.Clone(reportedSettings)
	for _, k := range extra {
		names = append(names, settingKey(k))
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(names)), ",")
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	qctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	rows, err := db.QueryContext(qctx, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("+marks+")", args...)
	if err != nil {
		return fmt.Errorf("mysql at %s: read the settings: %s", p.Addr, engines.RedactDSN(err.Error()))
	}
	defer rows.Close()
	in.meta.Settings = map[string]string{}
	for rows.Next() {
		var k, val string
		if err := rows.Scan(&k, &val); err != nil {
			return fmt.Errorf("mysql at %s: read the settings: %w", p.Addr, err)
		}
		if secretSetting(k) && val != "" {
			val = engines.Redacted
		}
		in.meta.Settings[k] = val
	}
	return rows.Err()
}

// seed runs the spec's seed scripts on the primary, in the dbharness database. A script may
// hold several statements, CREATE PROCEDURE bodies included.
func (in *instance) seed(ctx context.Context, p *node, scripts []string) error {
	for i, s := range scripts {
		db := in.admin.open(p)
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		_, err := db.ExecContext(sctx, "USE "+DefaultDatabase+";\n"+s)
		cancel()
		db.Close()
		if err != nil {
			return fmt.Errorf("mysql at %s: seed script %d: %s", in.meta.Address, i+1, engines.RedactDSN(err.Error()))
		}
	}
	return nil
}

// poll calls check every interval until it returns nil or ctx ends; the error then is the
// last one check returned.
func poll(ctx context.Context, interval time.Duration, check func(context.Context) error) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(attempt)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(interval):
		}
	}
}
