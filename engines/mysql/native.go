package mysql

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// BinDirEnv overrides where mariadbd and mariadb-install-db are looked for.
const BinDirEnv = "DBHARNESS_MYSQL_BINDIR"

const installHint = "install it with `apt-get install mariadb-server` (Debian/Ubuntu), or set " + BinDirEnv

// binaries are the programs the native provider runs.
type binaries struct {
	server, installDB string
	version           string // "10.11.19"
}

// findBinaries looks for the MariaDB server and its install-db script in BinDirEnv, on PATH
// and in /usr/sbin (where Debian puts the server). The error names the package to install.
func findBinaries() (binaries, error) {
	look := func(names ...string) (string, error) {
		for _, name := range names {
			if dir := os.Getenv(BinDirEnv); dir != "" {
				p := filepath.Join(dir, name)
				if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
					return p, nil
				}
				continue
			}
			if p, err := exec.LookPath(name); err == nil {
				return p, nil
			}
			if p := filepath.Join("/usr/sbin", name); isExecutable(p) {
				return p, nil
			}
		}
		where := "on PATH or in /usr/sbin"
		if dir := os.Getenv(BinDirEnv); dir != "" {
			where = "in " + BinDirEnv + "=" + dir
		}
		return "", fmt.Errorf("%s not found %s: %s", names[0], where, installHint)
	}
	var b binaries
	var err error
	if b.server, err = look("mariadbd", "mysqld"); err != nil {
		return b, err
	}
	if b.installDB, err = look("mariadb-install-db", "mysql_install_db"); err != nil {
		return b, err
	}
	out, err := exec.Command(b.server, "--version").Output()
	if err != nil {
		return b, fmt.Errorf("%s --version: %v: %s", b.server, err, installHint)
	}
	m := serverVersion.FindStringSubmatch(string(out))
	if m == nil || !strings.Contains(string(out), "MariaDB") {
		return b, fmt.Errorf("%s is not a MariaDB server (%s): natively this engine runs MariaDB; %s",
			b.server, strings.TrimSpace(string(out)), installHint)
	}
	b.version = m[1]
	return b, nil
}

var serverVersion = regexp.MustCompile(`Ver (\d+\.\d+\.\d+)`)

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// versionMatches says whether an installed version (10.11.19) is the one asked for (10,
// 10.11, 10.11.19).
func versionMatches(installed, wanted string) bool {
	return installed == wanted || strings.HasPrefix(installed, wanted+".")
}

// startNative starts every node of the plan as a child process (as the mysql user when the
// harness is root: mariadbd refuses root), sets up replication and the accounts, and runs
// the seed statements.
func startNative(ctx context.Context, pl *plan) (*instance, error) {
	if pl.flavor == FlavorMySQL {
		return nil, errNoNativeMySQL
	}
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	if v := pl.spec.Version; v != "" && !versionMatches(bins.version, v) {
		return nil, fmt.Errorf("mysql: MariaDB %s is not installed here (installed: %s at %s): use provider docker for other versions", v, bins.version, bins.server)
	}
	var runAs *native.User
	if native.IsRoot() {
		if runAs, err = native.LookupUser("mysql"); err != nil {
			return nil, fmt.Errorf("mysql: mariadbd refuses to run as root and needs an unprivileged user: %w", err)
		}
	}
	dir, err := native.PrivateDir(pl.spec.WorkDir, "dbharness-mysql-", runAs)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	in := newInstance(pl)
	in.meta = engines.Info{Engine: Name, Flavor: FlavorMariaDB, Provider: engines.ProviderNative, Topology: pl.topology}
	in.cleanup = func() error { return os.RemoveAll(dir) }
	np := &nativeProvisioner{pl: pl, bins: bins, dir: dir, runAs: runAs}
	return in, bringUp(ctx, pl, in, np)
}

// nativeProvisioner makes nodes as child processes, each with a directory under dir.
type nativeProvisioner struct {
	pl    *plan
	bins  binaries
	dir   string
	runAs *native.User
}

// node files, under the node's directory.
const (
	dataDir    = "data"
	configFile = "my.cnf"
	socketFile = "mysqld.sock"
	slowLog    = "slow.log"
	errorLog   = "error.log"
)

// prepare makes a node's directory and its data directory (mariadb-install-db).
func (np *nativeProvisioner) prepare(ctx context.Context, name string) (string, error) {
	d := filepath.Join(np.dir, name)
	if err := os.Mkdir(d, 0o700); err != nil {
		return "", err
	}
	if np.runAs != nil {
		if err := os.Chown(d, int(np.runAs.UID), int(np.runAs.GID)); err != nil {
			return "", fmt.Errorf("give %s to user %s: %w", d, np.runAs.Name, err)
		}
	}
	if n := len(filepath.Join(d, socketFile)); n > 100 {
		return "", fmt.Errorf("the socket path under %s is %d bytes, longer than a unix socket allows (107): choose a shorter work directory", np.dir, n)
	}
	// Note: root logs in over the socket without a password (only the harness's user and
	// mysql reach the 0700 directory); clients get their own TCP account with one.
	// Note: --tmpdir keeps the bootstrap's temporary tables apart: several nodes installed at
	// once in the shared /tmp collide ("Unknown table 'mysql.tmp_user_sys'").
	if err := native.RunOnce(ctx, np.runAs, d, np.bins.installDB, "--no-defaults", "--datadir="+filepath.Join(d, dataDir),
		"--tmpdir="+d, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"); err != nil {
		return "", fmt.Errorf("mariadb-install-db: %w", err)
	}
	return d, nil
}

// member writes the node's my.cnf and makes its process, not started yet.
func (np *nativeProvisioner) member(n *node, dir string, port int, serverID int) (nodes.Member, error) {
	lines := []string{
		"# written by dbharness; the node is started as: mariadbd --defaults-file=<this file>",
		"[mysqld]",
		"datadir = " + filepath.Join(dir, dataDir),
		"port = " + strconv.Itoa(port),
		"bind_address = 127.0.0.1",
		"socket = " + filepath.Join(dir, socketFile),
		"pid_file = " + filepath.Join(dir, "mysqld.pid"),
		"slow_query_log_file = " + filepath.Join(dir, slowLog),
		"tmpdir = " + dir,
		"server_id = " + strconv.Itoa(serverID),
	}
	if np.pl.topology == Replicated {
		// Note: every node starts read-only, the primary too (the engine opens it): a node
		// restarted after a failover must not take writes before it is a replica again.
		lines = append(lines, "log_bin = "+filepath.Join(dir, "binlog"), "read_only = ON")
	}
	lines = append(lines, optionLines(np.pl.settings)...)
	path := filepath.Join(dir, configFile)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s config: %w", n.Name, err)
	}
	if np.runAs != nil {
		if err := os.Chown(path, int(np.runAs.UID), int(np.runAs.GID)); err != nil {
			return nil, err
		}
	}
	return native.NewMember(native.MemberConfig{
		Process: native.Config{Name: "mariadbd " + n.Name, Path: np.bins.server, Dir: dir,
			Args:    []string{"--defaults-file=" + path},
			LogPath: filepath.Join(dir, errorLog), User: np.runAs, Logger: np.pl.log},
		Ready:        pingSocket(filepath.Join(dir, socketFile)),
		ReadyTimeout: np.pl.timeout,
		StopSignal:   syscall.SIGTERM, // mariadbd's normal shutdown
		Grace:        20 * time.Second,
	}), nil
}

// bringUp creates every node (directories, data, ports), starts them all at once, then
// makes them one topology.
func bringUp(ctx context.Context, pl *plan, in *instance, np *nativeProvisioner) error {
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	total := 1 + pl.replicas
	errs := make([]error, total)
	all := make([]*node, total)
	for i := range total {
		all[i] = in.set.Add(fmt.Sprintf("node-%d", i+1), "", kindData)
	}
	var wg sync.WaitGroup
	var ports sync.Mutex
	for i := range total {
		wg.Go(func() {
			n := all[i]
			dir, err := np.prepare(ctx, n.Name)
			if err != nil {
				errs[i] = fmt.Errorf("mysql %s: %s: %w", pl.topology, n.Name, err)
				return
			}
			in.setSocket(n, filepath.Join(dir, socketFile))
			err = native.RetryPortTaken(3, func(attempt int) error {
				preferred := 0
				if attempt == 1 && pl.spec.Port != 0 {
					preferred = pl.spec.Port + i
				}
				ports.Lock()
				port, err := native.FreePort(preferred, 0)
				ports.Unlock()
				if err != nil {
					return err
				}
				if i == 0 && pl.spec.Port != 0 && port != pl.spec.Port {
					pl.log.Info("preferred port is taken; using another", "preferred", pl.spec.Port, "port", port)
				}
				n.Addr = "127.0.0.1:" + strconv.Itoa(port)
				m, err := np.member(n, dir, port, i+1)
				if err != nil {
					return err
				}
				return in.set.Start(ctx, n, m)
			})
			if err != nil {
				errs[i] = fmt.Errorf("mysql %s: start %s at %s: %s", pl.topology, n.Name, n.Addr, engines.RedactDSN(err.Error()))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := in.finish(ctx, pl); err != nil {
		return err
	}
	if err := in.Err(); err != nil {
		return err // a node died during the set-up
	}
	pl.log.Info("mysql ready", "topology", pl.topology, "flavor", in.meta.Flavor, "address", in.meta.Address,
		"version", in.meta.Version, "nodes", total, "took", time.Since(started).Round(time.Millisecond))
	return nil
}
