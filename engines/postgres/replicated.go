package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// Replicated is the topology kind of a primary with streaming replicas.
const Replicated = "replicated"

// CountReplicas is the role a replicated Topology counts.
const CountReplicas = "replicas"

// OptionSynchronousCommit is the Topology option that sets synchronous_commit on every node;
// on, remote_write and remote_apply also make one replica synchronous.
const OptionSynchronousCommit = "synchronous_commit"

// maxReplicas bounds the replicas one topology starts.
const maxReplicas = 8

// ReplicatedTopology is a primary with n replicas; synchronousCommit ("" for the server's
// default) is the synchronous_commit of every node.
func ReplicatedTopology(n int, synchronousCommit string) engines.Topology {
	t := engines.Topology{Kind: Replicated, Counts: map[string]int{CountReplicas: n}}
	if synchronousCommit != "" {
		t.Options = map[string]string{OptionSynchronousCommit: synchronousCommit}
	}
	return t
}

// Topology is what a PostgreSQL primary with replicas offers beyond engines.Instance.
type Topology interface {
	engines.Instance
	engines.Faults
	engines.ReplicationLagger
	engines.Killer
	engines.ServerProcesses
	// NodeDSN is the connection string of one node by name, to reach a replica directly.
	NodeDSN(name string) (string, error)
}

// managedSettings are the settings a replicated topology sets itself.
var managedSettings = map[string]string{
	"primary_conninfo":          "each replica streams from the primary the engine names",
	"synchronous_standby_names": "write `and synchronous_commit remote_apply` (or on, remote_write) after the topology",
	"hot_standby":               "replicas are hot standbys: read-only workloads can run on them",
	"wal_level":                 "streaming replication needs replica or logical",
	"port":                      "the engine picks a free port per node",
	"listen_addresses":          "nodes listen on 127.0.0.1",
}

// cluster is a PostgreSQL primary with streaming replicas, every node a child process in a
// nodes.Set. It implements Topology.
type cluster struct {
	meta     engines.Info
	set      *nodes.Set
	members  []*member // in node order: node-1 first
	binDir   string
	runAs    *native.User
	dir      string
	settings map[string]string
	log      *slog.Logger
	timeout  time.Duration

	// failMu lets one failover or rejoin run at a time.
	failMu sync.Mutex

	mu      sync.Mutex
	primary int // index of the member the others stream from

	lag lagTracker
}

var _ Topology = (*cluster)(nil)

// clusterOrNil keeps a nil *cluster from becoming a non-nil Instance.
func clusterOrNil(c *cluster, err error) (engines.Instance, error) {
	if c == nil {
		return nil, err
	}
	return c, err
}

// member is one node's server: a restartable native child that, restarted after a failover,
// first rejoins as a replica of the primary of the moment.
type member struct {
	*native.Member
	c       *cluster
	node    *nodes.Node
	port    int
	dir     string // the node's folder: socket, log, data
	data    string
	started bool
}

var _ nodes.Member = (*member)(nil)

// Start starts the server and waits until it answers; a restart first makes the node a
// replica of the current primary (rewinding it if it was a primary).
func (m *member) Start(ctx context.Context) error {
	if m.started {
		if err := m.c.prepareRejoin(ctx, m); err != nil {
			return err
		}
	}
	if err := m.Member.Start(ctx); err != nil {
		return err
	}
	m.started = true
	return nil
}

func (m *member) addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }

// dsn is the node's own connection string, with a short connect timeout so a fault verb or a
// health check never waits long on a dead node.
func (m *member) dsn() string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&connect_timeout=2", m.addr())
}

// adminDSN is dsn for the engine's own checks (lag every 100ms, health, roles): named so the
// wait sampling leaves them out and kept out of pg_stat_statements, so the statement
// analysis reports the workload's statements only.
func (m *member) adminDSN() string {
	return m.dsn() + "&application_name=dbharness-engine&pg_stat_statements.track=none"
}

// startReplicated starts the primary, copies it into each replica with pg_basebackup, starts
// the replicas and waits until each streams from the primary.
func startReplicated(ctx context.Context, spec engines.Spec) (*cluster, error) {
	started := time.Now()
	n := spec.Topology.Count(CountReplicas, 1)
	if n < 1 || n > maxReplicas {
		return nil, fmt.Errorf("postgresql: a primary with replicas needs 1 to %d replicas, not %d", maxReplicas, n)
	}
	for k := range spec.Settings {
		if why, ok := managedSettings[strings.ToLower(k)]; ok {
			return nil, fmt.Errorf("postgresql %s: setting %q is managed by the engine (%s)", Replicated, k, why)
		}
	}
	settings, err := replicatedSettings(spec)
	if err != nil {
		return nil, err
	}
	binDir, err := findNative(spec.Version)
	if err != nil {
		return nil, err
	}
	for _, tool := range []string{"pg_basebackup", "pg_rewind", "pg_controldata"} {
		if _, err := os.Stat(filepath.Join(binDir, tool)); err != nil {
			return nil, fmt.Errorf("postgresql %s: %s not found in %s: %s", Replicated, tool, binDir, installHint)
		}
	}
	var runAs *native.User
	if native.IsRoot() {
		if runAs, err = native.LookupUser("postgres"); err != nil {
			return nil, fmt.Errorf("postgresql refuses to run as root and needs an unprivileged user: %w", err)
		}
	}
	dir, err := native.PrivateDir(spec.WorkDir, "dbharness-postgresql-", runAs)
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	timeout := spec.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	c := &cluster{binDir: binDir, runAs: runAs, dir: dir, settings: settings, log: logger(spec), timeout: timeout}
	c.set = nodes.NewSet("postgresql "+Replicated, c.log)
	c.meta = engines.Info{Engine: Name, Flavor: "postgresql", Provider: engines.ProviderNative, Topology: Replicated}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.bringUp(ctx, spec, n); err != nil {
		return c, err // half-started: the caller stops it, which removes dir
	}
	c.log.Info("postgresql ready", "topology", Replicated, "address", c.meta.Address, "version", c.meta.Version,
		"replicas", n, "took", time.Since(started).Round(time.Millisecond))
	return c, nil
}

// replicatedSettings are every node's settings: the instance defaults, what streaming
// replication and pg_rewind need, and the spec's.
func replicatedSettings(spec engines.Spec) (map[string]string, error) {
	s := serverSettings(engines.Spec{})
	maps.Copy(s, map[string]string{
		"wal_level": "replica", "max_wal_senders": "16", "max_replication_slots": "16", "hot_standby": "on",
		// Note: pg_rewind needs hint-bit changes in the WAL to rewind an old primary.
		"wal_log_hints": "on",
		// Note: no replication slots (a slot would not exist on a promoted replica); kept WAL
		// lets a replica that was down catch up by streaming.
		"wal_keep_size": "512MB",
		// Note: a replica's queries wait at most this long for a conflicting replay.
		"max_standby_streaming_delay": "1s",
	})
	switch sc := spec.Topology.Options[OptionSynchronousCommit]; sc {
	case "":
	case "off", "local":
		s["synchronous_commit"] = sc
	case "on", "remote_write", "remote_apply":
		s["synchronous_commit"] = sc
		s["synchronous_standby_names"] = "ANY 1 (*)"
	default:
		return nil, fmt.Errorf("postgresql: synchronous_commit %q: use off, local, remote_write, on or remote_apply", sc)
	}
	maps.Copy(s, spec.Settings)
	return s, nil
}

// bringUp starts node-1 as the primary and the replicas from its base backup.
func (c *cluster) bringUp(ctx context.Context, spec engines.Spec, replicas int) error {
	used := map[int]bool{}
	for i := range replicas + 1 {
		preferred := 0
		if spec.Port != 0 {
			preferred = spec.Port + i
		}
		port, err := freePort(preferred, used)
		if err != nil {
			return fmt.Errorf("postgresql: node-%d: %w", i+1, err)
		}
		m, err := c.newMember(i, port)
		if err != nil {
			return err
		}
		c.members = append(c.members, m)
	}
	primary := c.members[0]
	c.meta.Address = primary.addr()
	if err := native.RunOnce(ctx, c.runAs, primary.dir, filepath.Join(c.binDir, "initdb"), "-D", primary.data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return fmt.Errorf("postgresql: initdb: %w", err)
	}
	if err := c.writeConf(primary); err != nil {
		return err
	}
	if err := c.set.Start(ctx, primary.node, primary); err != nil {
		return fmt.Errorf("postgresql %s: start the primary %s at %s: %s", Replicated, primary.node.Name, primary.addr(), engines.RedactDSN(err.Error()))
	}
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i, m := range c.members[1:] {
		wg.Go(func() { errs[i] = c.startReplica(ctx, m, primary) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := c.waitStreaming(ctx); err != nil {
		return err
	}
	// Note: after the replicas stream, so a synchronous commit of the set-up has a replica.
	if err := prepare(ctx, primary.dsn(), spec, &c.meta); err != nil {
		return err
	}
	return c.Err() // a node died during the set-up
}

// persistentSettings go into postgresql.conf, not only on the command line: pg_rewind runs an
// old primary's crash recovery in single-user mode with the configuration files alone, and
// must find wal_log_hints still on afterwards. The base backups copy the file.
var persistentSettings = []string{"wal_level", "wal_log_hints", "hot_standby", "wal_keep_size"}

func (c *cluster) writeConf(m *member) error {
	path := filepath.Join(m.data, "postgresql.conf")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("postgresql: open %s: %w", path, err)
	}
	defer f.Close()
	fmt.Fprintf(f, "\n# written by dbharness: what streaming replication and pg_rewind need\n")
	for _, k := range persistentSettings {
		fmt.Fprintf(f, "%s = '%s'\n", k, c.settings[k])
	}
	return nil
}

// freePort picks a free port that no other node of the topology was given.
func freePort(preferred int, used map[int]bool) (int, error) {
	for range 20 {
		p, err := native.FreePort(preferred, 0)
		if err != nil {
			return 0, err
		}
		if !used[p] {
			used[p] = true
			return p, nil
		}
		preferred = 0
	}
	return 0, errors.New("no free port found")
}

// newMember makes node i's folder and its (not yet started) server.
func (c *cluster) newMember(i, port int) (*member, error) {
	name := fmt.Sprintf("node-%d", i+1)
	dir := filepath.Join(c.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("postgresql: %s: %w", name, err)
	}
	if err := c.chown(dir); err != nil {
		return nil, err
	}
	m := &member{c: c, port: port, dir: dir, data: filepath.Join(dir, "data")}
	m.node = c.set.Add(name, m.addr(), "data")
	logPath := filepath.Join(dir, "postgres.log")
	settings := maps.Clone(c.settings)
	settings[SettingServerLog] = logPath
	args := append([]string{"-D", m.data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"}, settingArgs(settings)...)
	// Note: SIGINT is PostgreSQL's fast shutdown: abort transactions, checkpoint, send the
	// replicas every WAL record, exit.
	m.Member = native.NewMember(native.MemberConfig{
		Process:    native.Config{Name: "postgres " + name, Path: filepath.Join(c.binDir, "postgres"), Args: args, Dir: dir, LogPath: logPath, User: c.runAs, Logger: c.log},
		Ready:      ping(m.dsn()),
		StopSignal: syscall.SIGINT, Grace: 10 * time.Second, ReadyTimeout: c.timeout,
	})
	return m, nil
}

// chown gives a path to the user the servers run as.
func (c *cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.UID), int(c.runAs.GID)); err != nil {
		return fmt.Errorf("postgresql: give %s to the postgres user: %w", path, err)
	}
	return nil
}

// startReplica copies the primary with pg_basebackup, makes the copy a standby of it and
// starts it.
func (c *cluster) startReplica(ctx context.Context, m, primary *member) error {
	if err := native.RunOnce(ctx, c.runAs, m.dir, filepath.Join(c.binDir, "pg_basebackup"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres", "-D", m.data,
		"-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		return fmt.Errorf("postgresql %s: base backup of %s for %s: %w", Replicated, primary.node.Name, m.node.Name, err)
	}
	if err := c.makeStandby(m, primary); err != nil {
		return err
	}
	if err := c.set.Start(ctx, m.node, m); err != nil {
		return fmt.Errorf("postgresql %s: start the replica %s at %s: %s", Replicated, m.node.Name, m.addr(), engines.RedactDSN(err.Error()))
	}
	return nil
}

// makeStandby writes standby.signal and points primary_conninfo at primary, in a data
// folder whose server is down.
func (c *cluster) makeStandby(m, primary *member) error {
	signal := filepath.Join(m.data, "standby.signal")
	if err := os.WriteFile(signal, nil, 0o600); err != nil {
		return fmt.Errorf("postgresql: make %s a standby: %w", m.node.Name, err)
	}
	if err := c.chown(signal); err != nil {
		return err
	}
	return c.setConninfo(m, primary)
}

// conninfo is what a replica streams from primary with; the application name makes the
// replica's row of pg_stat_replication carry its node name.
func conninfo(m, primary *member) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres application_name=%s", primary.port, m.node.Name)
}

// setConninfo rewrites primary_conninfo in postgresql.auto.conf of a server that is down.
//
// Note: not a -c argument: the command line outranks the configuration files, and a running
// replica is repointed with ALTER SYSTEM and a reload.
func (c *cluster) setConninfo(m, primary *member) error {
	path := filepath.Join(m.data, "postgresql.auto.conf")
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("postgresql: read %s: %w", path, err)
	}
	var lines []string
	for _, l := range strings.Split(string(old), "\n") {
		if k, _, _ := strings.Cut(l, "="); strings.TrimSpace(k) == "primary_conninfo" || strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, l)
	}
	lines = append(lines, fmt.Sprintf("primary_conninfo = '%s'", conninfo(m, primary)), "")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		return fmt.Errorf("postgresql: write %s: %w", path, err)
	}
	return c.chown(path)
}

// Info describes what runs.
func (c *cluster) Info() engines.Info { return c.meta }

// DSN reaches whichever node takes writes: every node in order, the first that is not in
// recovery (libpq's and pgx's target_session_attrs=read-write), so clients that reconnect
// after a failover find the new primary by themselves.
func (c *cluster) DSN() string {
	hosts := make([]string, len(c.members))
	for i, m := range c.members {
		hosts[i] = m.addr()
	}
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&connect_timeout=2&target_session_attrs=read-write", strings.Join(hosts, ","))
}

// NodeDSN is one node's connection string.
func (c *cluster) NodeDSN(name string) (string, error) {
	m, err := c.member(name)
	if err != nil {
		return "", err
	}
	return m.dsn(), nil
}

func (c *cluster) member(name string) (*member, error) {
	n, err := c.set.Node(name)
	if err != nil {
		return nil, err
	}
	for _, m := range c.members {
		if m.node == n {
			return m, nil
		}
	}
	return nil, fmt.Errorf("postgresql %s: no server for node %s", Replicated, name)
}

func (c *cluster) primaryMember() *member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[c.primary]
}

// Done is closed when the topology stopped or a node exited unasked.
func (c *cluster) Done() <-chan struct{} { return c.set.Done() }

// Err says which node exited unasked and why, with its last log lines.
func (c *cluster) Err() error { return c.set.Err() }

// ServerPIDs lists the postmasters of the running nodes (their backends are their children).
func (c *cluster) ServerPIDs() []int { return c.set.ServerPIDs() }

// Stop stops every node and removes their folders.
func (c *cluster) Stop(ctx context.Context) error {
	return c.set.StopAll(ctx, func() error { return os.RemoveAll(c.dir) })
}

// KillNode kills node name with SIGKILL and waits until it is gone.
func (c *cluster) KillNode(ctx context.Context, name string) error { return c.set.Kill(ctx, name) }

// StopNode shuts node name down (fast shutdown) and waits until it is gone.
func (c *cluster) StopNode(ctx context.Context, name string) error { return c.set.Stop(ctx, name) }

// PauseNode freezes node name with SIGSTOP.
func (c *cluster) PauseNode(ctx context.Context, name string) error { return c.set.Pause(ctx, name) }

// ResumeNode lets a paused node run again.
func (c *cluster) ResumeNode(ctx context.Context, name string) error { return c.set.Resume(ctx, name) }

// RestartNode starts a killed or stopped node again; a node that is not the primary any more
// rejoins as a replica of the primary of the moment.
func (c *cluster) RestartNode(ctx context.Context, name string) error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	return c.set.Restart(ctx, name)
}

// Kill is engines.Killer: on a topology that is meant to survive it, a fault of the current
// primary, as KillNode.
func (c *cluster) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return c.KillNode(ctx, c.primaryMember().node.Name)
}
