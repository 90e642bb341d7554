package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// JavaHomeEnv points at a Java 17 installation when none is found in /usr/lib/jvm.
const JavaHomeEnv = "DBHARNESS_CASSANDRA_JAVA_HOME"

// Ports every node uses on its own address.
const (
	StoragePort = 7000
	NativePort  = DefaultPort
)

// install is what the native provider runs: a Java 17 and the jars.
type install struct {
	java string // the java executable
	lib  string // the folder of the jars (cassandra-all and its dependencies)
	jamm string // jamm's jar, Cassandra's memory meter, loaded as a -javaagent
}

// findInstall finds Java 17 and the jars the install step fetched; the error says what to
// install.
func findInstall() (install, error) {
	var in install
	java, err := findJava()
	if err != nil {
		return in, err
	}
	in.java = java
	dir, err := native.MavenDir(Artifact)
	if err != nil {
		return in, err
	}
	in.lib = filepath.Join(dir, "lib")
	jamms, _ := filepath.Glob(filepath.Join(in.lib, "jamm-*.jar"))
	if len(jamms) == 0 {
		return in, fmt.Errorf("%s has no jamm-*.jar: the fetch of %s with its dependencies is incomplete: remove %s and run `make deps` again", in.lib, Artifact, dir)
	}
	in.jamm = jamms[0]
	return in, nil
}

// findJava looks for Java 17 in JavaHomeEnv, JAVA_HOME (when it is a 17) and /usr/lib/jvm.
func findJava() (string, error) {
	var candidates []string
	if h := os.Getenv(JavaHomeEnv); h != "" {
		p := filepath.Join(h, "bin", "java")
		if !executable(p) {
			return "", fmt.Errorf("%s=%s has no bin/java", JavaHomeEnv, h)
		}
		return p, nil
	}
	if h := os.Getenv("JAVA_HOME"); h != "" && javaMajor(h) == "17" {
		candidates = append(candidates, h)
	}
	globbed, _ := filepath.Glob("/usr/lib/jvm/*17*")
	candidates = append(candidates, globbed...)
	for _, h := range candidates {
		if p := filepath.Join(h, "bin", "java"); executable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Java 17 found (Cassandra 5.0 runs on Java 11 or 17): install it with `apt-get install openjdk-17-jre-headless`, or set %s", JavaHomeEnv)
}

// javaMajor reads JAVA_VERSION from a Java home's release file ("17.0.13" -> "17").
func javaMajor(home string) string {
	b, err := os.ReadFile(filepath.Join(home, "release"))
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "JAVA_VERSION="); ok {
			v = strings.Trim(v, `"`)
			major, _, _ := strings.Cut(v, ".")
			return major
		}
	}
	return ""
}

func executable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// jvmOptions are those of Cassandra's own conf/jvm17-server.options that it cannot run
// without on Java 17 (the module opens; without java.io it dies on FileDescriptor.fd), and
// its G1 settings.
var jvmOptions = []string{
	"-Xss256k", "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled", "-XX:MaxTenuringThreshold=1",
	"-XX:G1RSetUpdatingPauseTimePercent=5", "-XX:MaxGCPauseMillis=300", "-XX:InitiatingHeapOccupancyPercent=70",
	"-XX:+ExitOnOutOfMemoryError", "-XX:-OmitStackTraceInFastThrow",
	"-ea", "-Djava.net.preferIPv4Stack=true", "-Djdk.attach.allowAttachSelf=true",
	"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
	"--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
	"--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
	"--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
	"--add-exports", "java.sql/java.sql=ALL-UNNAMED",
	"--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
	"--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
	"--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
	"--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
	"--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
	"--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
	"--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
	"--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
	"--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
	"--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
	"--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
	"--add-opens", "java.base/java.io=ALL-UNNAMED",
	"--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
	"--add-opens", "java.base/java.lang=ALL-UNNAMED",
	"--add-opens", "java.base/java.util=ALL-UNNAMED",
	"-Dio.netty.tryReflectionSetAccessible=true",
	"-Dio.netty.allocator.useCacheForAllThreads=true", "-Dio.netty.allocator.maxOrder=11",
	// Note: a local ring needs no gossip settling: a short ring delay and no wait for
	// gossip to settle make a node ready in seconds, and a node restarted while a peer is
	// down does not wait 30 s for it.
	"-Dcassandra.ring_delay_ms=1000", "-Dcassandra.skip_wait_for_gossip_to_settle=0",
	"-Dcassandra.superuser_setup_delay_ms=0",
	"-Dcassandra-foreground=yes",
}

// nodeAddr is node i's (1-based) address in block b: 127.0.b.i.
func nodeAddr(block, i int) string { return fmt.Sprintf("127.0.%d.%d", block, i) }

// pickBlock chooses b so that 127.0.b.1 ... 127.0.b.n have the storage and native ports
// free. Note: a random block keeps two rings started at once (test packages run in
// parallel) apart; block 0 is left to a Cassandra a user runs on 127.0.0.1.
func pickBlock(n int) (int, error) {
	for range 64 {
		b := 1 + rand.IntN(254)
		if blockFree(b, n) {
			return b, nil
		}
	}
	return 0, errors.New("no free loopback block 127.0.B.1-N with ports 7000 and 9042 free in 64 tries")
}

func blockFree(b, n int) bool {
	for i := 1; i <= n; i++ {
		for _, port := range []int{StoragePort, NativePort} {
			l, err := net.Listen("tcp", net.JoinHostPort(nodeAddr(b, i), strconv.Itoa(port)))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}

// nodeLogPath is where a node's output (its whole log) goes.
func nodeLogPath(dir string) string { return filepath.Join(dir, "cassandra.log") }

// startNative starts the nodes one after the other, node-1 (the seed) first, and waits
// until the ring agrees.
func startNative(ctx context.Context, pl *plan) (*Instance, error) {
	inst, err := findInstall()
	if err != nil {
		return nil, err
	}
	if pl.spec.Version != "" && pl.spec.Version != Version && !strings.HasPrefix(Version, pl.spec.Version+".") {
		return nil, fmt.Errorf("cassandra %s: %w: the native provider runs Cassandra %s (%s)", pl.spec.Version, engines.ErrUnavailable, Version, Artifact)
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	topology := engines.Standalone
	if pl.spec.Topology.KindOr() == Ring {
		topology = Ring
	}
	block, err := pickBlock(pl.nodes)
	if err != nil {
		return nil, fmt.Errorf("cassandra: %w", err)
	}
	dir, err := native.PrivateDir(pl.spec.WorkDir, "dbharness-cassandra-", nil)
	if err != nil {
		return nil, fmt.Errorf("cassandra: %w", err)
	}
	in := newInstance(pl, topology)
	in.cleanup = func() error { return os.RemoveAll(dir) }
	var hosts, logs []string
	for i := 1; i <= pl.nodes; i++ {
		hosts = append(hosts, net.JoinHostPort(nodeAddr(block, i), strconv.Itoa(NativePort)))
		logs = append(logs, nodeLogPath(filepath.Join(dir, fmt.Sprintf("node-%d", i))))
	}
	in.target = Target{Hosts: hosts, Logs: logs}
	in.meta = engines.Info{Engine: Name, Flavor: "cassandra", Version: Version, Provider: engines.ProviderNative,
		Topology: topology, Address: in.target.Address(),
		Settings: map[string]string{"heap": pl.heap, "nodes": strconv.Itoa(pl.nodes)}}
	for k, v := range pl.settings {
		in.meta.Settings[k] = v
	}
	seed := net.JoinHostPort(nodeAddr(block, 1), strconv.Itoa(StoragePort))
	for i := 1; i <= pl.nodes; i++ {
		name := fmt.Sprintf("node-%d", i)
		host := nodeAddr(block, i)
		nodeDir := filepath.Join(dir, name)
		if err := writeNodeFiles(nodeDir, pl, host, seed); err != nil {
			return in, fmt.Errorf("cassandra: %s: %w", name, err)
		}
		in.dirs[name] = nodeDir
		n := in.set.Add(name, net.JoinHostPort(host, strconv.Itoa(NativePort)), kindNode)
		m := newMember(pl, inst, name, host, nodeDir)
		// Note: one node after the other: a node joining while another still boots waits
		// for it, and on two cores two booting JVMs each take twice as long.
		if err := in.set.Start(ctx, n, m); err != nil {
			return in, fmt.Errorf("cassandra %s: start %s at %s: %w", topology, name, n.Addr, err)
		}
		pl.log.Info("cassandra node ready", "node", name, "addr", n.Addr, "took", time.Since(started).Round(time.Millisecond))
	}
	if pl.nodes > 1 {
		if err := in.waitAgreement(ctx); err != nil {
			return in, fmt.Errorf("cassandra ring: %w", err)
		}
		if err := in.createHealthKeyspace(ctx, pl.nodes); err != nil {
			return in, fmt.Errorf("cassandra ring: %w", err)
		}
		if err := in.readHostIDs(ctx); err != nil {
			return in, fmt.Errorf("cassandra ring: %w", err)
		}
		if err := in.waitAgreement(ctx); err != nil {
			return in, fmt.Errorf("cassandra ring: %w", err)
		}
	}
	if err := in.Err(); err != nil {
		return in, err
	}
	pl.log.Info("cassandra ready", "topology", topology, "nodes", pl.nodes, "address", in.meta.Address,
		"took", time.Since(started).Round(time.Millisecond))
	return in, nil
}

// HealthKeyspace is the keyspace a native ring keeps for Healthy: one replica on every node.
const HealthKeyspace = "dbharness_ring"

func (in *Instance) createHealthKeyspace(ctx context.Context, n int) error {
	s, err := in.Session(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, stmt := range []string{
		fmt.Sprintf("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}", HealthKeyspace, n),
		"CREATE TABLE IF NOT EXISTS " + HealthKeyspace + ".health (k int PRIMARY KEY)",
	} {
		if err := Exec(ctx, s, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	in.healthKeyspace = HealthKeyspace
	return nil
}

// writeNodeFiles writes a node's cassandra.yaml and logback.xml into its folder.
func writeNodeFiles(dir string, pl *plan, host, seed string) error {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cassandra.yaml"), []byte(cassandraYAML(dir, pl, host, seed)), 0o600); err != nil {
		return fmt.Errorf("write cassandra.yaml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logback.xml"), []byte(logbackXML), 0o600); err != nil {
		return fmt.Errorf("write logback.xml: %w", err)
	}
	return nil
}

// defaults are the cassandra.yaml settings the engine chooses and a scenario may change.
var defaults = map[string]string{
	"num_tokens":                 "16",
	"commitlog_sync":             "periodic",
	"commitlog_sync_period":      "10000ms",
	"concurrent_compactors":      "1",
	"slow_query_log_timeout":     "500ms",
	"hints_flush_period":         "1000ms",
	"max_hints_delivery_threads": "2",
	"tombstone_warn_threshold":   "1000",
	// The guardrails that log a partition over a size or a tombstone count when an sstable
	// is written (flush, compaction): off in Cassandra's own defaults, on here so the
	// analysis has large-partition and tombstone findings to report.
	"partition_size_warn_threshold":       "10MiB",
	"partition_tombstones_warn_threshold": "10000",
	"start_native_transport":              "true",
	"user_defined_functions_enabled":      "false",
}

// cassandraYAML is a node's configuration.
func cassandraYAML(dir string, pl *plan, host, seed string) string {
	var b strings.Builder
	b.WriteString("# written by dbharness for one node; the node runs as a child of the harness\n")
	fmt.Fprintf(&b, "cluster_name: 'dbharness'\n")
	fmt.Fprintf(&b, "partitioner: org.apache.cassandra.dht.Murmur3Partitioner\n")
	fmt.Fprintf(&b, "endpoint_snitch: SimpleSnitch\n")
	fmt.Fprintf(&b, "seed_provider:\n  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n    parameters:\n      - seeds: %q\n", seed)
	fmt.Fprintf(&b, "listen_address: %s\nrpc_address: %s\n", host, host)
	fmt.Fprintf(&b, "storage_port: %d\nnative_transport_port: %d\n", StoragePort, NativePort)
	// Note: the nodes of a fresh ring hold no data yet: they join without streaming.
	b.WriteString("auto_bootstrap: false\n")
	fmt.Fprintf(&b, "data_file_directories:\n  - %s\n", yamlQuote(filepath.Join(dir, "data")))
	for _, d := range []string{"commitlog", "saved_caches", "hints", "cdc_raw"} {
		key := d + "_directory"
		fmt.Fprintf(&b, "%s: %s\n", key, yamlQuote(filepath.Join(dir, d)))
	}
	settings := map[string]string{}
	for k, v := range defaults {
		settings[k] = v
	}
	for k, v := range pl.settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, yamlScalar(settings[k]))
	}
	return b.String()
}

// yamlScalar writes a setting's value as YAML: plain when it is a number, a boolean, a
// duration or size (500ms, 64MiB) or a plain word, quoted otherwise.
func yamlScalar(v string) string {
	plain := v != ""
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			plain = false
			break
		}
	}
	if plain {
		return v
	}
	return yamlQuote(v)
}

func yamlQuote(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// logbackXML sends the node's log to its output (the harness writes it to cassandra.log):
// INFO and above, and the slow-query reports of the monitoring task, which Cassandra writes
// at DEBUG.
const logbackXML = `<configuration scan="false">
  <!-- written by dbharness: everything goes to the node's output, which the harness keeps in cassandra.log -->
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra.db.monitoring.MonitoringTask" level="DEBUG"/>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`

// member runs one node: the native process under the JVM start lock, ready when the
// native port answers and the log since this start says "Startup complete".
type member struct {
	*native.Member
	logPath string

	mu     sync.Mutex
	offset int64  // where this start's log begins
	pos    int64  // how far the probe has read
	carry  []byte // the end of what it read, for a line split across reads
	seen   bool
}

var _ interface{ Pid() int } = (*member)(nil)

func newMember(pl *plan, inst install, name, host, dir string) *member {
	m := &member{logPath: nodeLogPath(dir)}
	args := []string{"-Xms" + pl.heap, "-Xmx" + pl.heap}
	args = append(args, jvmOptions...)
	args = append(args,
		"-javaagent:"+inst.jamm,
		"-Dcassandra.config=file://"+filepath.Join(dir, "cassandra.yaml"),
		"-Dcassandra.storagedir="+dir,
		"-Dcassandra.logdir="+filepath.Join(dir, "logs"),
		"-Dlogback.configurationFile="+filepath.Join(dir, "logback.xml"),
		// Note: the monitoring task reports slow queries every 5 s by default; a scenario's
		// analysis right after its load would miss the last 5 s.
		"-Dcassandra.monitoring_report_interval_ms=1000",
		"-cp", filepath.Join(inst.lib, "*"),
		"org.apache.cassandra.service.CassandraDaemon")
	addr := net.JoinHostPort(host, strconv.Itoa(NativePort))
	m.Member = native.NewMember(native.MemberConfig{
		Process: native.Config{Name: "cassandra " + name, Path: inst.java, Args: args, Dir: dir,
			LogPath: m.logPath, Logger: pl.log},
		Ready:        func(ctx context.Context) error { return m.ready(ctx, addr) },
		ReadyTimeout: pl.timeout,
		StopSignal:   syscall.SIGTERM,
		// Note: SIGTERM drains the node (6-9 s here); a starved machine takes longer.
		Grace: 90 * time.Second,
	})
	return m
}

// Start takes the JVM start lock (another JVM database booting at the same time on two
// cores makes both time out), starts the node and waits until it serves.
func (m *member) Start(ctx context.Context) error {
	release, err := native.StartLock(ctx, "jvm")
	if err != nil {
		return err
	}
	defer release()
	m.mu.Lock()
	m.offset, m.pos, m.carry, m.seen = 0, 0, nil, false
	if st, err := os.Stat(m.logPath); err == nil {
		m.offset, m.pos = st.Size(), st.Size()
	}
	m.mu.Unlock()
	return m.Member.Start(ctx)
}

// startupComplete is what CassandraDaemon logs once it serves clients.
var startupComplete = []byte("Startup complete")

func (m *member) ready(ctx context.Context, addr string) error {
	if !m.logSays() {
		return errors.New(`the log does not say "Startup complete" yet`)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("native port %s: %w", addr, err)
	}
	return c.Close()
}

// logSays reads the log from where it last stopped and says whether this start's part
// holds "Startup complete".
func (m *member) logSays() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen {
		return true
	}
	f, err := os.Open(m.logPath)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.Seek(m.pos, io.SeekStart); err != nil {
		return false
	}
	buf, err := io.ReadAll(io.LimitReader(f, 4<<20))
	if err != nil || len(buf) == 0 {
		return false
	}
	m.pos += int64(len(buf))
	data := append(m.carry, buf...)
	if bytes.Contains(data, startupComplete) {
		m.seen = true
		return true
	}
	keep := min(len(data), len(startupComplete))
	m.carry = append([]byte(nil), data[len(data)-keep:]...)
	return false
}
