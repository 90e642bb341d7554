package redis

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/docker"
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
	in.cleanup = func() error {
		defer cli.Close()
		return dp.ctrs.TerminateAll()
	}
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
	ctrs  docker.Containers
}

func (dp *dockerProvisioner) nodeDir(string) (string, error) { return "/data", nil }

func (dp *dockerProvisioner) memberConfig(name, addr string) docker.MemberConfig {
	return docker.MemberConfig{Name: name, Image: dp.image, Client: dp.cli, Created: dp.ctrs.Track,
		Ready: ping(addr, dp.pl.password), ReadyTimeout: dp.pl.timeout}
}

func (dp *dockerProvisioner) member(name string, sentinel bool, addr, dir string, conf []string) (nodes.Member, error) {
	args := []string{"redis-server", "/data/redis.conf"}
	ready := "Ready to accept connections"
	if sentinel {
		args = append(args, "--sentinel")
		ready = "+monitor master"
	}
	cfg := dp.memberConfig(name, addr)
	cfg.Create = func(ctx context.Context) (testcontainers.Container, error) {
		return testcontainers.Run(ctx, dp.image,
			testcontainers.WithCmd(args...),
			testcontainers.WithFiles(testcontainers.ContainerFile{
				Reader: strings.NewReader(strings.Join(conf, "\n") + "\n"), ContainerFilePath: "/data/redis.conf", FileMode: 0o666}),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.NetworkMode = "host" }),
			testcontainers.WithWaitStrategy(wait.ForLog(ready).WithStartupTimeout(dp.pl.timeout)),
		)
	}
	return docker.NewMember(cfg), nil
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
		dp.ctrs.Track(ctr)
	}
	if err != nil {
		return fmt.Errorf("redis: docker image %s: %w", dp.image, err)
	}
	dsn, err := ctr.ConnectionString(ctx)
	if err != nil {
		return fmt.Errorf("redis: docker image %s: connection string: %w", dp.image, err)
	}
	addr := strings.TrimPrefix(dsn, "redis://")
	n := in.set.Add("node-1", addr, kindData)
	if err := in.set.Start(ctx, n, docker.Adopt(dp.memberConfig("node-1", addr), ctr)); err != nil {
		return err
	}
	if err := in.finishData(ctx, dp.pl); err != nil {
		return err
	}
	return in.finish(ctx, dp.pl)
}
