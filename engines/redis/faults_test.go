package redis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/engines/redis"
)

const secret = "s3cr3t-Pa55"

func TestSentinelElectsANewPrimaryWhenThePrimaryIsKilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	inst := start(t, engines.Spec{Topology: redis.SentinelTopology(1, 3),
		Settings: map[string]string{"requirepass": secret}})
	t.Logf("sentinel (1 primary, 1 replica, 3 sentinels, requirepass) ready in %s", time.Since(began).Round(time.Millisecond))
	if want := "/" + redis.PrimaryName; !strings.HasPrefix(inst.DSN(), "redis+sentinel://:"+secret+"@127.0.0.1:") || !strings.HasSuffix(inst.DSN(), want) {
		t.Errorf("DSN = %s", engines.RedactDSN(inst.DSN()))
	}
	if strings.Contains(fmt.Sprint(inst.Info()), secret) {
		t.Errorf("Info shows the password: %+v", inst.Info())
	}
	c, err := redis.NewClient(inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := inst.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	old, err := inst.Primary(ctx, "")
	if err != nil || old.Name != "node-1" || old.Role != redis.RolePrimary {
		t.Fatalf("Primary = %+v, %v; want node-1", old, err)
	}
	if err := inst.KillNode(ctx, old.Name); err != nil {
		t.Fatal(err)
	}
	err = inst.Healthy(ctx)
	if err == nil || !strings.Contains(err.Error(), "node-1") {
		t.Errorf("Healthy after killing the primary = %v, want it to name node-1", err)
	}
	took := eventually(t, 10*time.Second, "the sentinels elect a new primary", func() error {
		p, err := inst.Primary(ctx, "")
		if err != nil || p.Name == old.Name {
			return fmt.Errorf("primary %+v, %v", p, err)
		}
		return inst.Healthy(ctx)
	})
	t.Logf("sentinel failover after SIGKILL (down-after 2000ms): new primary after %s", took.Round(time.Millisecond))
	eventually(t, 5*time.Second, "the failover client follows", func() error { return c.Get(ctx, "k").Err() })
	if err := inst.RestartNode(ctx, old.Name); err != nil {
		t.Fatal(err)
	}
	if r := roleOf(t, inst, old.Name); r == redis.RoleDown {
		t.Errorf("restarted %s is down", old.Name)
	}
	assertAlive(t, inst)

	// SENTINEL FAILOVER moves the primary again.
	now, _ := inst.Primary(ctx, "")
	eventually(t, 15*time.Second, "SENTINEL FAILOVER is accepted and moves the primary", func() error {
		if p, err := inst.Primary(ctx, ""); err == nil && p.Name != now.Name {
			return nil
		}
		if err := inst.Failover(ctx, ""); err != nil && !strings.Contains(err.Error(), "INPROG") {
			return err
		}
		time.Sleep(500 * time.Millisecond)
		return errors.New("primary unchanged")
	})

	// The same group as an external one; errors never show the password.
	ext := start(t, engines.Spec{Provider: engines.ProviderExternal, DSN: inst.DSN()})
	nodes, err := ext.Nodes(ctx)
	if err != nil || len(nodes) != 5 || ext.Topology() != redis.Sentinel {
		t.Errorf("external sentinel: topology %s, Nodes = %+v, %v; want 2 data nodes and 3 sentinels", ext.Topology(), nodes, err)
	}
	if err := ext.KillNode(ctx, "node-1"); !errors.Is(err, engines.ErrUnsupported) {
		t.Errorf("KillNode on external = %v", err)
	}
	bad := strings.Replace(inst.DSN(), secret, "wrong-"+secret, 1)
	_, err = redis.StartTopology(ctx, engines.Spec{Provider: engines.ProviderExternal, DSN: bad})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("external start with a wrong password = %v; want an error without the password", err)
	}
	for _, e := range []error{
		(redis.Engine{}).RunStatement(ctx, inst, "CONFIG SET requirepass"),
		(redis.Engine{}).RunStatement(ctx, inst, `SET "unbalanced`),
		inst.KillNode(ctx, "node-9"),
	} {
		if e == nil || strings.Contains(e.Error(), secret) {
			t.Errorf("error = %v; want an error without the password", e)
		}
	}
}

func TestReplicatedFailoverRestartAndUnaskedExit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	inst := start(t, engines.Spec{Topology: redis.ReplicatedTopology(2)})
	t.Logf("replicated (1 primary, 2 replicas) ready in %s", time.Since(began).Round(time.Millisecond))
	if err := inst.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ := redis.NewClient(inst.DSN())
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := inst.KillNode(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	if err := inst.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "node-3") || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Healthy with node-3 killed = %v", err)
	}
	if err := inst.Failover(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	if p, err := inst.Primary(ctx, ""); err != nil || p.Name != "node-2" || p.Role != redis.RolePrimary {
		t.Errorf("Primary after failover = %+v, %v", p, err)
	}
	if err := inst.RestartNode(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "node-1 and the restarted node-3 replicate from node-2", func() error { return inst.Healthy(ctx) })
	if r := roleOf(t, inst, "node-1"); r != redis.RoleReplica {
		t.Errorf("old primary node-1 is %s, want replica", r)
	}
	if err := inst.RestartNode(ctx, "node-1"); err == nil {
		t.Error("RestartNode of a running node succeeded")
	}
	assertAlive(t, inst)

	// A node that dies without being asked ends the instance, with its name, address and log.
	addr := ""
	nodes, _ := inst.Nodes(ctx)
	for _, n := range nodes {
		if n.Name == "node-3" {
			addr = n.Addr
		}
	}
	if err := syscall.Kill(pidOf(t, inst, "node-3"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inst.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed 10s after node-3 died unasked")
	}
	err := inst.Err()
	for _, want := range []string{"node-3", addr, "exited unexpectedly", "last lines"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Err = %v, want it to contain %q", err, want)
		}
	}
	if err := inst.KillNode(ctx, "node-1"); err == nil {
		t.Error("a fault verb on an ended instance succeeded")
	}
}

func TestPausedNodesAreResumedAndEverythingStops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := start(t, engines.Spec{Topology: redis.SentinelTopology(1, 1)})
	var pids []int
	for _, n := range []string{"node-1", "node-2"} {
		pids = append(pids, pidOf(t, inst, n))
	}
	if err := inst.PauseNode(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	if err := inst.PauseNode(ctx, "sentinel-1"); err != nil {
		t.Fatal(err)
	}
	// Nodes knows a paused node from its state and never asks it (a frozen node would
	// not answer): the roles say paused, not down.
	nodes, err := inst.Nodes(ctx)
	if err != nil || nodes[1].Role != redis.RolePaused || nodes[2].Role != redis.RolePaused || nodes[0].Role != redis.RolePrimary {
		t.Errorf("Nodes with node-2 and sentinel-1 paused = %+v, %v", nodes, err)
	}
	if err := inst.Healthy(ctx); err == nil {
		t.Error("Healthy with the only sentinel paused = nil")
	}
	if err := inst.ResumeNode(ctx, "sentinel-1"); err != nil {
		t.Fatal(err)
	}
	if err := inst.RestartNode(ctx, "node-2"); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("RestartNode of a paused node = %v", err)
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if native.GroupAlive(pid) {
			t.Errorf("process group %d alive after Stop", pid)
		}
	}
	if err := inst.Err(); err != nil {
		t.Errorf("Err after Stop = %v", err)
	}
}

func TestKillOfAStandaloneServerEndsTheInstance(t *testing.T) {
	t.Parallel()
	inst := start(t, engines.Spec{})
	pid := pidOf(t, inst, "node-1")
	if err := inst.(engines.Killer).Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inst.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed 10s after Kill")
	}
	if err := inst.Err(); err == nil || !strings.Contains(err.Error(), "node-1") || !strings.Contains(err.Error(), "last lines") {
		t.Errorf("Err = %v, want node-1 and its log", err)
	}
	if native.GroupAlive(pid) {
		t.Errorf("group %d alive after Kill", pid)
	}
}

func TestTakenPortIsAvoided(t *testing.T) {
	t.Parallel()
	// A port a Redis node could use (at or below 55535), taken by somebody else.
	var l net.Listener
	for l == nil {
		p, err := native.FreePort(0, 55535)
		if err != nil {
			t.Fatal(err)
		}
		l, _ = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	inst := start(t, engines.Spec{Port: taken})
	if strings.HasSuffix(inst.Info().Address, fmt.Sprintf(":%d", taken)) {
		t.Errorf("server got the taken port %d", taken)
	}
}

func TestPasswordNeverShowsInErrorsOrInfo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := start(t, engines.Spec{Settings: map[string]string{"requirepass": secret}})
	if got := inst.Info().Settings["requirepass"]; got != "" && got != engines.Redacted {
		t.Errorf("Info settings requirepass = %q", got)
	}
	if !strings.Contains(inst.DSN(), secret) {
		t.Errorf("DSN %s lacks the password clients need", engines.RedactDSN(inst.DSN()))
	}
	errs := []error{(redis.Engine{}).RunStatement(ctx, inst, "AUTH wrong "+secret)}
	_, err := redis.StartTopology(ctx, engines.Spec{Provider: engines.ProviderExternal, DSN: "redis://:" + secret + "@127.0.0.1:1"})
	errs = append(errs, err)
	_, err = redis.StartTopology(ctx, engines.Spec{Provider: engines.ProviderExternal, DSN: strings.Replace(inst.DSN(), secret, secret+"x", 1)})
	errs = append(errs, err)
	if err := inst.KillNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	errs = append(errs, inst.Healthy(ctx))
	for i, e := range errs {
		if e == nil {
			t.Errorf("case %d: no error", i)
		} else if strings.Contains(e.Error(), secret) {
			t.Errorf("case %d: error shows the password: %v", i, e)
		}
	}
	if err := inst.RestartNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	if err := inst.Healthy(ctx); err != nil {
		t.Errorf("Healthy after restart = %v", err)
	}
}

func TestExternalStandalone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := start(t, engines.Spec{})
	ext := start(t, engines.Spec{Provider: engines.ProviderAuto, DSN: inst.DSN(), Seed: []string{"SET from-external 1"}}) // a DSN makes auto external
	if ext.Info().Provider != engines.ProviderExternal || ext.Topology() != redis.Standalone || ext.Info().Version == "" {
		t.Errorf("external info = %+v", ext.Info())
	}
	if err := ext.Healthy(ctx); err != nil {
		t.Error(err)
	}
	if err := ext.(engines.Killer).Kill(); !errors.Is(err, engines.ErrUnsupported) {
		t.Errorf("Kill on external = %v", err)
	}
	if err := ext.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ := redis.NewClient(inst.DSN())
	defer c.Close()
	if n, err := c.Exists(ctx, "from-external").Result(); err != nil || n != 1 {
		t.Errorf("the external seed did not reach the server, or Stop stopped it: %d, %v", n, err)
	}
	_, err := redis.StartTopology(ctx, engines.Spec{Provider: engines.ProviderExternal, DSN: inst.DSN(), Topology: engines.Topology{Kind: redis.Cluster}})
	if err == nil || !strings.Contains(err.Error(), "redis+cluster") && !strings.Contains(err.Error(), "not cluster") {
		t.Errorf("external with a topology that contradicts the scheme = %v", err)
	}
}

func TestMissingBinariesNameThePackage(t *testing.T) {
	t.Setenv(redis.BinDirEnv, t.TempDir())
	_, err := redis.StartTopology(context.Background(), engines.Spec{Provider: engines.ProviderNative})
	if err == nil || !strings.Contains(err.Error(), "apt-get install redis-server") {
		t.Errorf("err = %v, want the package to install", err)
	}
	// redis-server alone is not enough for a sentinel group.
	dir := t.TempDir()
	if err := os.Symlink("/usr/bin/redis-server", filepath.Join(dir, "redis-server")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(redis.BinDirEnv, dir)
	_, err = redis.StartTopology(context.Background(), engines.Spec{Provider: engines.ProviderNative, Topology: engines.Topology{Kind: redis.Sentinel}})
	if err == nil || !strings.Contains(err.Error(), "apt-get install redis-sentinel") {
		t.Errorf("err = %v, want the sentinel package to install", err)
	}
}

func TestClusterThatNeverBecomesReadySaysWhatEachNodeSaw(t *testing.T) {
	t.Parallel()
	// A cluster node reports ok at the earliest 2s after it started, so 1s is too short.
	inst, err := redis.StartTopology(context.Background(), engines.Spec{Provider: engines.ProviderNative,
		Topology: redis.ClusterTopology(3, 0), StartTimeout: time.Second})
	if inst != nil { // a failed start hands back what it started, for the caller to stop
		defer inst.Stop(context.Background())
	}
	if err == nil {
		t.Fatal("a cluster came up within 1s")
	}
	for _, want := range []string{"CLUSTER INFO of node-1", "cluster_state:fail", "last lines of node-3's log"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestSpecsTheEngineRefuses(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		spec engines.Spec
		want string
	}{
		{engines.Spec{Topology: engines.Topology{Kind: "ring"}}, "unknown topology"},
		{engines.Spec{Settings: map[string]string{"port": "1"}}, "managed by the engine"},
		{engines.Spec{Settings: map[string]string{"daemonize": "yes"}}, "foreground"},
		{engines.Spec{Settings: map[string]string{"sentinel.quorum": "1"}}, "unknown sentinel setting"},
		{engines.Spec{Topology: redis.ReplicatedTopology(0)}, "at least one replica"},
		{engines.Spec{Version: "6.2"}, "redis 6.2 is not installed here"},
		{engines.Spec{Flavor: "valkey"}, "unknown flavor"},
		{engines.Spec{Provider: engines.ProviderEmbedded}, "no embedded provider"},
		{engines.Spec{Provider: engines.ProviderExternal}, "needs a DSN"},
		{engines.Spec{Provider: engines.ProviderExternal, DSN: "redis://:pw@127.0.0.1"}, "not host:port"},
	} {
		if c.spec.Provider == "" {
			c.spec.Provider = engines.ProviderNative
		}
		inst, err := redis.StartTopology(ctx, c.spec)
		if inst != nil {
			inst.Stop(ctx)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start(%+v) = %v, want %q", c.spec, err, c.want)
		}
	}
}

func TestDockerProvider(t *testing.T) {
	ctx := context.Background()
	if err := (redis.Engine{}).Check(ctx, engines.ProviderDocker); err != nil {
		if !strings.Contains(err.Error(), "Docker") {
			t.Errorf("Check(docker) = %v, want it to name Docker", err)
		}
		t.Skipf("no Docker engine answers here, so the docker provider cannot be tried: %v", err)
	}
	for _, spec := range []engines.Spec{
		{Provider: engines.ProviderDocker},
		{Provider: engines.ProviderDocker, Topology: engines.Topology{Kind: redis.Cluster}, Settings: map[string]string{"cluster-node-timeout": "2000"}},
		{Provider: engines.ProviderDocker, Topology: engines.Topology{Kind: redis.Sentinel}},
	} {
		inst := start(t, spec)
		c, _ := redis.NewClient(inst.DSN())
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Errorf("docker %s: SET: %v", inst.Topology(), err)
		}
		c.Close()
		if err := inst.Healthy(ctx); err != nil {
			t.Errorf("docker %s: Healthy = %v", inst.Topology(), err)
		}
		if inst.Topology() == redis.Standalone {
			continue
		}
		if err := inst.PauseNode(ctx, "node-2"); err != nil {
			t.Errorf("docker %s: pause: %v", inst.Topology(), err)
		}
		if err := inst.KillNode(ctx, "node-2"); err != nil {
			t.Errorf("docker %s: kill: %v", inst.Topology(), err)
		}
		if err := inst.RestartNode(ctx, "node-2"); err != nil {
			t.Errorf("docker %s: restart: %v", inst.Topology(), err)
		}
		assertAlive(t, inst)
	}
}
