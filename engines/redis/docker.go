package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/dbharness/dbharness/engines"
)

// DefaultImageVersion is the redis image tag used when the spec names no version.
const DefaultImageVersion = "7.0"

// Note: a standalone server runs through the testcontainers redis module with its port
// mapped, which works on every Docker. A multi-node topology runs each node with host
// networking instead: the nodes announce their addresses to each other and to clients
// (CLUSTER SLOTS, SENTINEL get-master-addr-by-name), and only on the host network is the
// address a node sees for itself the one a client on the host can reach. That needs a Linux
// Docker Engine (or Docker Desktop with host networking enabled).

func image(pl *plan) string {
	v := pl.spec.Version
	if v == "" {
		v = DefaultImageVersion
	}
	return "redis:" + v
}

// startDocker starts the plan's nodes as containers.
func startDocker(ctx context.Context, pl *plan) (*instance, error) {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("redis: docker: %w", err)
	}
	in := newInstance(pl.topology, pl)
	in.meta = engines.Info{Engine: Name, Flavor: "redis", Provider: engines.ProviderDocker, Topology: pl.topology}
	dp := &dockerProvisioner{pl: pl, cli: cli, image: image(pl)}
	in.cleanup = dp.terminate
	if pl.topology == Standalone {
		return in, dp.standalone(ctx, in)
	}
	return in, bringUp(ctx, pl, in, dp)
}

// dockerProvisioner makes nodes as containers on the host network.
type dockerProvisioner struct {
	pl    *plan
	cli   *testcontainers.DockerClient
	image string

	mu   sync.Mutex
	ctrs []testcontainers.Container
}

func (dp *dockerProvisioner) track(c testcontainers.Container) {
	dp.mu.Lock()
	dp.ctrs = append(dp.ctrs, c)
	dp.mu.Unlock()
}

// terminate removes every container (the processes were stopped before).
func (dp *dockerProvisioner) terminate() error {
	dp.mu.Lock()
	defer dp.mu.Unlock()
	var errs []error
	for _, c := range dp.ctrs {
		if err := testcontainers.TerminateContainer(c); err != nil {
			errs = append(errs, fmt.Errorf("redis: remove container %s: %w", c.GetContainerID(), err))
		}
	}
	dp.ctrs = nil
	dp.cli.Close()
	return errors.Join(errs...)
}

func (dp *dockerProvisioner) nodeDir(string) (string, error) { return "/data", nil }

func (dp *dockerProvisioner) member(name string, sentinel bool, addr, dir string, conf []string) (member, error) {
	m := &dockerMember{dp: dp, name: name, addr: addr, pass: dp.pl.password, timeout: dp.pl.timeout}
	args := []string{"redis-server", "/data/redis.conf"}
	ready := "Ready to accept connections"
	if sentinel {
		args = append(args, "--sentinel")
		ready = "+monitor master"
	}
	m.create = func(ctx context.Context) (testcontainers.Container, error) {
		return testcontainers.Run(ctx, dp.image,
			testcontainers.WithCmd(args...),
			testcontainers.WithFiles(testcontainers.ContainerFile{
				Reader: strings.NewReader(strings.Join(conf, "\n") + "\n"), ContainerFilePath: "/data/redis.conf", FileMode: 0o666}),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.NetworkMode = "host" }),
			testcontainers.WithWaitStrategy(wait.ForLog(ready).WithStartupTimeout(dp.pl.timeout)),
		)
	}
	return m, nil
}

// standalone runs one server through the testcontainers redis module, its port mapped.
func (dp *dockerProvisioner) standalone(ctx context.Context, in *instance) error {
	conf := append(dataConfig(dp.pl, "0.0.0.0:6379", "/data", ""), "protected-mode no")
	ctr, err := tcredis.Run(ctx, dp.image,
		testcontainers.WithCmd("redis-server", "/data/redis.conf"),
		testcontainers.WithFiles(testcontainers.ContainerFile{
			Reader: strings.NewReader(strings.Join(conf, "\n") + "\n"), ContainerFilePath: "/data/redis.conf", FileMode: 0o666}),
	)
	if ctr != nil {
		dp.track(ctr)
	}
	if err != nil {
		return fmt.Errorf("redis: docker image %s: %w", dp.image, err)
	}
	dsn, err := ctr.ConnectionString(ctx)
	if err != nil {
		return fmt.Errorf("redis: docker image %s: connection string: %w", dp.image, err)
	}
	addr := strings.TrimPrefix(dsn, "redis://")
	m := &dockerMember{dp: dp, name: "node-1", addr: addr, pass: dp.pl.password, timeout: dp.pl.timeout, ctr: ctr}
	m.watch()
	n := &node{name: "node-1", addr: addr, proc: m}
	in.nodes = []*node{n}
	in.watch(n)
	if err := in.finishData(ctx, dp.pl); err != nil {
		return err
	}
	return in.finish(ctx, dp.pl)
}

// dockerMember is one node's container.
type dockerMember struct {
	dp      *dockerProvisioner
	name    string
	addr    string
	pass    string
	timeout time.Duration
	create  func(context.Context) (testcontainers.Container, error)

	mu      sync.Mutex
	ctr     testcontainers.Container
	exitCh  chan struct{}
	exitMsg error
}

func (m *dockerMember) start(ctx context.Context) error {
	m.mu.Lock()
	ctr := m.ctr
	m.mu.Unlock()
	if ctr == nil {
		c, err := m.create(ctx)
		if c != nil {
			m.dp.track(c)
			m.mu.Lock()
			m.ctr = c
			m.mu.Unlock()
		}
		if err != nil {
			if c != nil && strings.Contains(m.logTail(20), "ddress already in use") {
				return fmt.Errorf("%w: %v", errPortTaken, err)
			}
			return fmt.Errorf("container for %s (image %s): %w", m.name, m.dp.image, err)
		}
	} else if err := ctr.Start(ctx); err != nil {
		return fmt.Errorf("start the container of %s again: %w", m.name, err)
	}
	wait, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	if err := poll(wait, 50*time.Millisecond, ping(m.addr, m.pass)); err != nil {
		return fmt.Errorf("%s at %s not answering: %v\n--- last lines of its container log ---\n%s", m.name, m.addr, err, m.logTail(15))
	}
	m.watch()
	return nil
}

// watch polls the container's state until it stops running; then exited() closes.
func (m *dockerMember) watch() {
	ch := make(chan struct{})
	m.mu.Lock()
	m.exitCh, m.exitMsg = ch, nil
	ctr := m.ctr
	m.mu.Unlock()
	go func() {
		defer close(ch)
		for {
			time.Sleep(500 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := ctr.State(ctx)
			cancel()
			if err != nil && strings.Contains(strings.ToLower(err.Error()), "no such container") {
				m.setExit(fmt.Errorf("container of %s is gone", m.name))
				return
			}
			if err == nil && !st.Running && !st.Paused && !st.Restarting {
				m.setExit(fmt.Errorf("container of %s exited unexpectedly (exit code %d)\n--- last lines of its log ---\n%s", m.name, st.ExitCode, m.logTail(15)))
				return
			}
		}
	}()
}

func (m *dockerMember) setExit(err error) {
	m.mu.Lock()
	m.exitMsg = err
	m.mu.Unlock()
}

func (m *dockerMember) cur() (testcontainers.Container, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ctr, m.exitCh
}

func (m *dockerMember) kill(ctx context.Context) error {
	ctr, exited := m.cur()
	if _, err := m.dp.cli.ContainerKill(ctx, ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		// Some Docker versions refuse to kill a paused container: unpause, then kill.
		if !strings.Contains(err.Error(), "paused") {
			return fmt.Errorf("docker kill %s: %w", m.name, err)
		}
		if uerr := m.resume(ctx); uerr != nil {
			return fmt.Errorf("docker kill %s: %w (and unpause: %v)", m.name, err, uerr)
		}
		if _, err := m.dp.cli.ContainerKill(ctx, ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			return fmt.Errorf("docker kill %s: %w", m.name, err)
		}
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *dockerMember) stop(ctx context.Context) error {
	ctr, exited := m.cur()
	if st, err := ctr.State(ctx); err == nil && st.Paused {
		_ = m.resume(ctx)
	}
	grace := 5 * time.Second
	if err := ctr.Stop(ctx, &grace); err != nil {
		return fmt.Errorf("docker stop %s: %w", m.name, err)
	}
	if exited != nil {
		select {
		case <-exited:
		case <-ctx.Done():
		}
	}
	return nil
}

func (m *dockerMember) pause(ctx context.Context) error {
	ctr, _ := m.cur()
	_, err := m.dp.cli.ContainerPause(ctx, ctr.GetContainerID(), client.ContainerPauseOptions{})
	return err
}

func (m *dockerMember) resume(ctx context.Context) error {
	ctr, _ := m.cur()
	_, err := m.dp.cli.ContainerUnpause(ctx, ctr.GetContainerID(), client.ContainerUnpauseOptions{})
	return err
}

func (m *dockerMember) exited() <-chan struct{} {
	_, ch := m.cur()
	return ch
}

func (m *dockerMember) exitErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.exitMsg
}

func (m *dockerMember) logTail(n int) string {
	ctr, _ := m.cur()
	if ctr == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Ask Docker for the tail itself: a long log read from the start would give its middle.
	rc, err := m.dp.cli.ContainerLogs(ctx, ctr.GetContainerID(), client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n)})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, io.LimitReader(rc, 1<<20)); err != nil {
		return ""
	}
	b := out.Bytes()
	lines := strings.Split(strings.TrimRight(string(bytes.ToValidUTF8(b, nil)), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
