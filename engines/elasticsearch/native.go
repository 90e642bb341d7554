package elasticsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// ClusterName is the cluster.name of every native instance; the slowlog file is named after it.
const ClusterName = "dbharness"

// The files of a node, under its folder.
const (
	configDir = "config"
	dataDir   = "data"
	logsDir   = "logs"
	tmpDir    = "tmp"
	outLog    = "stdout.log"
)

// SlowlogFile is the search slowlog of a node, under its logs folder (the same name on
// Elasticsearch 7, 8 and OpenSearch 2: their log4j2.properties write JSON lines there).
const SlowlogFile = ClusterName + "_index_search_slowlog.json"

// ParamLogs is the DSN parameter of a native instance that names the nodes' logs folders
// (comma-separated, in node order), so the collector on this machine reads the slowlog.
const ParamLogs = "logs"

// startNative starts every node of the plan as a child process (as nobody when the harness
// is root: both servers refuse root), one JVM boot at a time, then waits for the cluster.
func startNative(ctx context.Context, pl *plan) (*instance, error) {
	java, err := findJava()
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	var runAs *native.User
	if native.IsRoot() {
		if runAs, err = native.LookupUser("nobody"); err != nil {
			return nil, fmt.Errorf("elasticsearch: %s refuses to run as root and needs an unprivileged user: %w", pl.dist.flavor, err)
		}
	}
	home, err := readableHome(ctx, pl.dist, runAs)
	if err != nil {
		return nil, err
	}
	dir, err := native.PrivateDir(pl.spec.WorkDir, "dbharness-elasticsearch-", runAs)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	in := newInstance(pl.dist.flavor, pl.topology, pl.log)
	in.meta = engines.Info{Engine: Name, Flavor: pl.dist.flavor, Version: pl.dist.version, Provider: engines.ProviderNative,
		Topology: pl.topology, Settings: maps.Clone(pl.settings)}
	in.meta.Settings[SettingHeap] = pl.heap
	in.cleanup = func() error { return os.RemoveAll(dir) }
	np := &nativeNodes{pl: pl, java: java, home: home, dir: dir, runAs: runAs}
	return in, np.bringUp(ctx, in)
}

// nativeNodes makes the nodes of one instance.
type nativeNodes struct {
	pl    *plan
	java  string
	home  string
	dir   string
	runAs *native.User

	mu    sync.Mutex
	taken map[int]bool
}

// port is a free loopback port no other node of the instance has.
func (np *nativeNodes) port() (int, error) {
	np.mu.Lock()
	defer np.mu.Unlock()
	if np.taken == nil {
		np.taken = map[int]bool{}
	}
	for range 20 {
		p, err := native.FreePort(0, 0)
		if err != nil {
			return 0, err
		}
		if !np.taken[p] {
			np.taken[p] = true
			return p, nil
		}
	}
	return 0, errors.New("no free loopback port in 20 tries")
}

// A nodePorts is a node's HTTP and transport ports.
type nodePorts struct{ http, transport int }

func (np *nativeNodes) bringUp(ctx context.Context, in *instance) error {
	started := time.Now()
	pl := np.pl
	ports := make([]nodePorts, pl.nodes)
	for i := range ports {
		var err error
		if i == 0 && pl.spec.Port != 0 {
			if p, err := native.FreePort(pl.spec.Port, 0); err == nil && p == pl.spec.Port {
				np.taken = map[int]bool{p: true}
				ports[i].http = p
			}
		}
		if ports[i].http == 0 {
			if ports[i].http, err = np.port(); err != nil {
				return fmt.Errorf("elasticsearch: %w", err)
			}
		}
		if ports[i].transport, err = np.port(); err != nil {
			return fmt.Errorf("elasticsearch: %w", err)
		}
	}
	var logs []string
	hosts := make([]string, pl.nodes)
	for i := range pl.nodes {
		name := fmt.Sprintf("node-%d", i+1)
		hosts[i] = "127.0.0.1:" + strconv.Itoa(ports[i].http)
		logs = append(logs, filepath.Join(np.dir, name, logsDir))
		in.set.Add(name, hosts[i], kindData)
	}
	in.target = Target{Scheme: "http", Hosts: hosts, Params: map[string]string{ParamLogs: strings.Join(logs, ",")}}
	in.client = NewClient(in.target, WithTimeout(30*time.Second))
	in.meta.Address = in.target.Address()
	// Note: one node at a time, each under the machine's JVM start lock: two JVMs booting at
	// once on two cores each take twice as long (and another database's may be booting).
	for i, n := range in.set.Nodes() {
		m, err := np.member(n, i, ports)
		if err != nil {
			return fmt.Errorf("elasticsearch %s: %s: %w", pl.topology, n.Name, err)
		}
		if err := in.set.Start(ctx, n, m); err != nil {
			return fmt.Errorf("elasticsearch %s: start %s at %s: %s", pl.topology, n.Name, n.Addr, engines.RedactDSN(err.Error()))
		}
		pl.log.Info("node answers", "node", n.Name, "addr", n.Addr, "waited for the jvm lock", m.(*jvmMember).waited.Round(time.Millisecond),
			"booted in", m.(*jvmMember).booted.Round(time.Millisecond))
	}
	if err := in.waitFormed(ctx, pl.nodes, pl.timeout); err != nil {
		return err
	}
	if err := in.Err(); err != nil {
		return err // a node died while the cluster formed
	}
	pl.log.Info("elasticsearch ready", "flavor", pl.dist.flavor, "version", pl.dist.version, "topology", pl.topology,
		"address", in.meta.Address, "nodes", pl.nodes, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// member writes a node's folder and settings and makes its process, not started yet.
func (np *nativeNodes) member(n *nodes.Node, i int, ports []nodePorts) (nodes.Member, error) {
	pl := np.pl
	d := filepath.Join(np.dir, n.Name)
	for _, sub := range []string{"", dataDir, logsDir, tmpDir} {
		p := filepath.Join(d, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return nil, err
		}
		if np.runAs != nil {
			if err := os.Chown(p, int(np.runAs.UID), int(np.runAs.GID)); err != nil {
				return nil, fmt.Errorf("give %s to user %s: %w", p, np.runAs.Name, err)
			}
		}
	}
	conf := filepath.Join(d, configDir)
	if err := copyConfig(np.home, conf, np.runAs); err != nil {
		return nil, err
	}
	if err := absoluteJVMPaths(filepath.Join(conf, "jvm.options"), d); err != nil {
		return nil, err
	}
	yml := filepath.Join(conf, pl.dist.yml)
	if err := os.WriteFile(yml, []byte(nodeSettings(pl, n.Name, d, i, ports)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", yml, err)
	}
	if np.runAs != nil {
		if err := os.Chown(yml, int(np.runAs.UID), int(np.runAs.GID)); err != nil {
			return nil, err
		}
	}
	e := pl.dist.env
	env := []string{
		e + "_JAVA_HOME=" + np.java, "JAVA_HOME=" + np.java,
		e + "_PATH_CONF=" + conf,
		e + "_JAVA_OPTS=-Xms" + pl.heap + " -Xmx" + pl.heap,
		e + "_TMPDIR=" + filepath.Join(d, tmpDir),
		"HOME=" + d,
	}
	host := n.Addr
	probe := func(ctx context.Context) error {
		c := NewClient(Target{Scheme: "http", Hosts: []string{host}}, WithTimeout(5*time.Second))
		defer c.Close()
		if pl.nodes > 1 {
			// A cluster node answers once its HTTP port is up; the cluster forms after.
			_, err := c.Do(ctx, http.MethodGet, "/_cluster/health?local=true", nil)
			var esErr *Error
			if err == nil || errors.As(err, &esErr) {
				return nil
			}
			return err
		}
		h, err := c.ClusterHealth(ctx, "")
		if err != nil {
			return err
		}
		if h.Status != "green" && h.Status != "yellow" {
			return fmt.Errorf("cluster health is %s", h.Status)
		}
		return nil
	}
	m := native.NewMember(native.MemberConfig{
		Process: native.Config{Name: pl.dist.bin + " " + n.Name, Path: filepath.Join(np.home, "bin", pl.dist.bin), Dir: d,
			Env: env, LogPath: filepath.Join(d, outLog), User: np.runAs, Logger: pl.log},
		Ready:        probe,
		ReadyTimeout: pl.timeout,
		StopSignal:   syscall.SIGTERM,
		Grace:        30 * time.Second,
	})
	return &jvmMember{Member: m, timeout: pl.timeout}, nil
}

// nodeSettings is a node's elasticsearch.yml (opensearch.yml): the engine's keys, then the
// spec's. Values are JSON strings, which YAML reads as they are.
func nodeSettings(pl *plan, name, d string, i int, ports []nodePorts) string {
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	lines := []string{
		"# written by dbharness",
		"cluster.name: " + ClusterName,
		"node.name: " + name,
		"network.host: 127.0.0.1",
		"http.port: " + strconv.Itoa(ports[i].http),
		"transport.port: " + strconv.Itoa(ports[i].transport),
		"path.data: " + q(filepath.Join(d, dataDir)),
		"path.logs: " + q(filepath.Join(d, logsDir)),
		// Note: a test machine's disk is often over the 85% watermark: replicas would stay
		// unassigned and the cluster yellow for a reason no scenario is about.
		"cluster.routing.allocation.disk.threshold_enabled: false",
	}
	if pl.nodes == 1 {
		lines = append(lines, "discovery.type: single-node")
	} else {
		var seeds, masters []string
		for j, p := range ports {
			seeds = append(seeds, q("127.0.0.1:"+strconv.Itoa(p.transport)))
			masters = append(masters, q(fmt.Sprintf("node-%d", j+1)))
		}
		lines = append(lines, "discovery.seed_hosts: ["+strings.Join(seeds, ", ")+"]",
			"cluster.initial_"+masterWord(pl.dist.flavor)+"_nodes: ["+strings.Join(masters, ", ")+"]")
	}
	if pl.dist.flavor == FlavorElasticsearch {
		// Note: local runs need no TLS or passwords; ES 8 would otherwise generate both at
		// its first start.
		lines = append(lines, "xpack.security.enabled: false")
	}
	for _, k := range slices.Sorted(maps.Keys(pl.settings)) {
		lines = append(lines, k+": "+q(pl.settings[k]))
	}
	return strings.Join(lines, "\n") + "\n"
}

// A jvmMember boots its node under the machine's JVM start lock (native.StartLock), at the
// first start and at every restart.
type jvmMember struct {
	*native.Member
	timeout time.Duration
	// waited and booted are how long the last start waited for the lock and then booted.
	waited, booted time.Duration
}

func (m *jvmMember) Start(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	began := time.Now()
	release, err := native.StartLock(lctx, "jvm")
	if err != nil {
		return err
	}
	defer release()
	m.waited = time.Since(began)
	err = m.Member.Start(ctx)
	m.booted = time.Since(began) - m.waited
	return err
}

// absoluteJVMPaths makes the relative paths of a node's jvm.options (the GC log, heap dumps,
// fatal error logs) point into the node's folder: the start scripts may run the JVM from the
// distribution's folder, which the node's user cannot write to, and the JVM refuses to start
// when it cannot open its GC log.
func absoluteJVMPaths(path, node string) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	logs, data := filepath.Join(node, logsDir), filepath.Join(node, dataDir)
	r := strings.NewReplacer(
		"file=logs/", "file="+logs+"/",
		"file=gc.log", "file="+logs+"/gc.log",
		"-XX:HeapDumpPath=data", "-XX:HeapDumpPath="+data,
		"-XX:ErrorFile=logs/", "-XX:ErrorFile="+logs+"/",
		"-XX:ErrorFile=hs_err", "-XX:ErrorFile="+logs+"/hs_err",
	)
	return os.WriteFile(path, []byte(r.Replace(string(b))), 0o600)
}
