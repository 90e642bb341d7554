package redis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/docker"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// binaries are the programs the native provider runs.
type binaries struct {
	server   string // redis-server
	sentinel string // redis-sentinel; empty when not installed
}

// findBinaries looks for redis-server (and redis-sentinel when needSentinel) in BinDirEnv, or
// on PATH. The error names the Debian package to install.
func findBinaries(needSentinel bool) (binaries, error) {
	var b binaries
	look := func(name string) (string, error) {
		if dir := os.Getenv(BinDirEnv); dir != "" {
			p := filepath.Join(dir, name)
			if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
				return "", fmt.Errorf("%s not found in %s=%s", name, BinDirEnv, dir)
			}
			return p, nil
		}
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%s not found on PATH", name)
		}
		return p, nil
	}
	var err error
	if b.server, err = look("redis-server"); err != nil {
		return b, fmt.Errorf("%v: install it with `apt-get install redis-server` (Debian/Ubuntu), or set %s", err, BinDirEnv)
	}
	if b.sentinel, err = look("redis-sentinel"); err != nil && needSentinel {
		return b, fmt.Errorf("%v: the sentinel topology needs it: install it with `apt-get install redis-sentinel` (Debian/Ubuntu), or set %s", err, BinDirEnv)
	}
	return b, nil
}

// serverVersion runs redis-server --version: "Redis server v=7.0.15 sha=...".
func serverVersion(path string) string {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return ""
	}
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return v
		}
	}
	return ""
}

// versionMatches says whether installed (7.0.15) is the wanted version (7, 7.0 or 7.0.15).
func versionMatches(installed, wanted string) bool {
	return installed == wanted || strings.HasPrefix(installed, wanted+".")
}

// portAllocator hands out distinct free loopback ports at or below 55535: a cluster node
// also listens on port+10000 for its bus.
type portAllocator struct {
	mu    sync.Mutex
	taken map[int]bool
}

const maxPort = 55535

func (a *portAllocator) next(preferred int) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.taken == nil {
		a.taken = map[int]bool{}
	}
	for range 20 {
		p, err := native.FreePort(preferred, maxPort)
		if err != nil {
			return 0, err
		}
		// The bus port must be free too, or a cluster node exits at start.
		if !a.taken[p] && !a.taken[p+10000] && !a.taken[p-10000] && portFree(p+10000) {
			a.taken[p] = true
			return p, nil
		}
		preferred = 0
	}
	return 0, fmt.Errorf("no free loopback port pair (port and port+10000) at or below %d in 20 tries", maxPort)
}

func portFree(p int) bool {
	q, err := native.FreePort(p, 0)
	return err == nil && q == p
}

// errPortTaken says whether a node failed to start because its port was taken, natively or
// in a container on the host network.
func errPortTaken(err error) bool {
	return errors.Is(err, native.ErrPortTaken) || errors.Is(err, docker.ErrPortTaken)
}

func ping(addr, pass string) func(context.Context) error {
	return func(ctx context.Context) error {
		c := goredis.NewClient(&goredis.Options{Addr: addr, Password: pass, MaxRetries: -1, PoolSize: 1, DialTimeout: time.Second, Protocol: 2, DisableIdentity: true})
		defer c.Close()
		return c.Ping(ctx).Err()
	}
}

// startNative starts every node of the plan as a child process, sets up the topology and
// runs the seed commands.
func startNative(ctx context.Context, pl *plan) (*instance, error) {
	bins, err := findBinaries(pl.sentinels > 0)
	if err != nil {
		return nil, err
	}
	version := serverVersion(bins.server)
	if pl.spec.Version != "" && !versionMatches(version, pl.spec.Version) {
		return nil, fmt.Errorf("redis %s is not installed here (installed: %s at %s): use provider docker for other versions", pl.spec.Version, version, bins.server)
	}
	dir, err := native.PrivateDir(pl.spec.WorkDir, "dbharness-redis-", nil)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	in := newInstance(pl.topology, pl)
	in.meta = engines.Info{Engine: Name, Flavor: "redis", Provider: engines.ProviderNative, Topology: pl.topology}
	in.cleanup = func() error { return os.RemoveAll(dir) }
	return in, bringUp(ctx, pl, in, &nativeProvisioner{pl: pl, bins: bins, dir: dir})
}

// nativeProvisioner makes nodes as child processes, each with a directory under dir.
type nativeProvisioner struct {
	pl   *plan
	bins binaries
	dir  string
}

func (np *nativeProvisioner) nodeDir(name string) (string, error) {
	d := filepath.Join(np.dir, name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", err
	}
	return d, nil
}

func (np *nativeProvisioner) member(name string, sentinel bool, addr, dir string, conf []string) (nodes.Member, error) {
	path := np.bins.server
	if sentinel {
		path = np.bins.sentinel
	}
	confPath := filepath.Join(dir, "redis.conf")
	// Note: a config file rather than --options: a restart reads the same file, CONFIG
	// REWRITE (which sentinels send after a failover) has a file to write, and a password
	// does not show in the process list.
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write %s config: %w", name, err)
	}
	// Note: SIGTERM is SHUTDOWN for redis-server; with save "" it writes nothing.
	return native.NewMember(native.MemberConfig{
		Process: native.Config{Name: filepath.Base(path) + " " + name, Path: path, Dir: dir,
			Args: []string{confPath}, LogPath: filepath.Join(dir, name+".log"), Logger: np.pl.log},
		Ready: ping(addr, np.pl.password), ReadyTimeout: np.pl.timeout, StopSignal: syscall.SIGTERM, Grace: 5 * time.Second,
	}), nil
}

// provisioner makes the processes of an instance for one provider.
type provisioner interface {
	// nodeDir is the directory a node keeps its files in, as the node sees it.
	nodeDir(name string) (string, error)
	// member makes a node that is not started yet, configured with conf.
	member(name string, sentinel bool, addr, dir string, conf []string) (nodes.Member, error)
}

// bringUp creates every node of the plan (names, ports, configuration), starts them in order
// (primaries, replicas, the topology's wiring, sentinels) and finishes the instance.
func bringUp(ctx context.Context, pl *plan, in *instance, prov provisioner) error {
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	var ports portAllocator
	total := pl.dataNodes() + pl.sentinels
	dirs := make([]string, total)
	all := make([]*node, total)
	for i := range total {
		name, sentinel := fmt.Sprintf("node-%d", i+1), false
		if i >= pl.dataNodes() {
			name, sentinel = fmt.Sprintf("sentinel-%d", i-pl.dataNodes()+1), true
		}
		preferred := 0
		if pl.spec.Port != 0 {
			preferred = pl.spec.Port + i
		}
		port, err := ports.next(preferred)
		if err != nil {
			return fmt.Errorf("redis: %s: %w", name, err)
		}
		if i == 0 && pl.spec.Port != 0 && port != pl.spec.Port {
			pl.log.Info("preferred port is taken; using another", "preferred", pl.spec.Port, "port", port)
		}
		if dirs[i], err = prov.nodeDir(name); err != nil {
			return fmt.Errorf("redis: %s: %w", name, err)
		}
		kind := kindData
		if sentinel {
			kind = kindSentinel
		}
		all[i] = in.set.Add(name, "127.0.0.1:"+strconv.Itoa(port), kind)
	}
	conf := func(i int) []string {
		n := all[i]
		if isSentinel(n) {
			return sentinelConfig(pl, n.Addr, dirs[i], all[0].Addr)
		}
		primary := ""
		if j := pl.primaryOf(i); j >= 0 && pl.topology != Cluster {
			primary = all[j].Addr
		}
		return dataConfig(pl, n.Addr, dirs[i], primary)
	}
	startNode := func(ctx context.Context, i int) error {
		n := all[i]
		// A port can be taken between our look and the server's bind: try another, unless
		// other nodes' configurations already name this one.
		err := native.RetryPortTaken(3, func(attempt int) error {
			if attempt > 1 {
				if dependedOn(pl, i) {
					return fmt.Errorf("port of %s taken and named by other nodes already", n.Name)
				}
				port, perr := ports.next(0)
				if perr != nil {
					return perr
				}
				n.Addr = "127.0.0.1:" + strconv.Itoa(port)
			}
			m, err := prov.member(n.Name, isSentinel(n), n.Addr, dirs[i], conf(i))
			if err != nil {
				return err
			}
			if err := in.set.Start(ctx, n, m); err != nil {
				if errPortTaken(err) {
					return fmt.Errorf("%w: %v", native.ErrPortTaken, err)
				}
				return err
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis %s: start %s at %s: %s", pl.topology, n.Name, n.Addr, engines.RedactDSN(err.Error()))
		}
		return nil
	}
	// Primaries first (replicas and sentinels point at them), then the rest, each group at once.
	if err := startGroup(ctx, startNode, 0, pl.primaries); err != nil {
		return err
	}
	if err := startGroup(ctx, startNode, pl.primaries, pl.dataNodes()); err != nil {
		return err
	}
	if err := in.finishData(ctx, pl); err != nil {
		return err
	}
	if err := startGroup(ctx, startNode, pl.dataNodes(), total); err != nil {
		return err
	}
	if err := in.finish(ctx, pl); err != nil {
		return err
	}
	if err := in.Err(); err != nil {
		return err // a node died during the set-up
	}
	pl.log.Info("redis ready", "topology", pl.topology, "provider", in.meta.Provider, "address", in.meta.Address,
		"version", in.meta.Version, "nodes", total, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// dependedOn says whether other nodes' configs name node i's address before it starts (a
// primary of a replicated group), so its port must not change on a retry.
func dependedOn(pl *plan, i int) bool {
	return pl.topology != Cluster && pl.replicas > 0 && i == 0
}

// startGroup starts nodes [from, to) at once and returns the first error.
func startGroup(ctx context.Context, start func(context.Context, int) error, from, to int) error {
	errs := make([]error, to-from)
	var wg sync.WaitGroup
	for i := from; i < to; i++ {
		wg.Go(func() { errs[i-from] = start(ctx, i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dataConfig is a redis-server's configuration: where it listens and keeps its files, the
// settings, and its place in the topology.
func dataConfig(pl *plan, addr, dir, primary string) []string {
	host, port, _ := strings.Cut(addr, ":")
	lines := []string{
		"# written by dbharness; the node is started as: redis-server <this file>",
		"port " + port, "bind " + host, "dir " + quoteConfig(dir), "daemonize no", `logfile ""`,
	}
	lines = append(lines, settingLines(pl.settings)...)
	if pl.topology == Cluster {
		lines = append(lines, "cluster-enabled yes", "cluster-config-file nodes.conf")
	}
	if primary != "" {
		h, p, _ := strings.Cut(primary, ":")
		lines = append(lines, "replicaof "+h+" "+p)
	}
	return lines
}

// sentinelConfig is a redis-sentinel's configuration. Sentinel rewrites the file as it
// learns the topology, so it must be its own, writable.
func sentinelConfig(pl *plan, addr, dir, primary string) []string {
	host, port, _ := strings.Cut(addr, ":")
	ph, pp, _ := strings.Cut(primary, ":")
	quorum := pl.sentinels/2 + 1
	lines := []string{
		"# written by dbharness; the sentinel is started as: redis-sentinel <this file>",
		"port " + port, "bind " + host, "dir " + quoteConfig(dir), "daemonize no", `logfile ""`,
		"sentinel resolve-hostnames no",
	}
	if pl.password != "" {
		lines = append(lines, "requirepass "+quoteConfig(pl.password))
	}
	lines = append(lines, fmt.Sprintf("sentinel monitor %s %s %s %d", PrimaryName, ph, pp, quorum))
	for _, k := range []string{"down-after-milliseconds", "failover-timeout", "parallel-syncs"} {
		lines = append(lines, fmt.Sprintf("sentinel %s %s %s", k, PrimaryName, pl.sentinelConf[k]))
	}
	if pl.password != "" {
		lines = append(lines, fmt.Sprintf("sentinel auth-pass %s %s", PrimaryName, quoteConfig(pl.password)))
	}
	return lines
}
