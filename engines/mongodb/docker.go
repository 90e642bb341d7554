package mongodb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tcmongodb "github.com/testcontainers/testcontainers-go/modules/mongodb"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/provider/docker"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// DefaultImageVersion is the mongo image tag used when the spec names no version.
const DefaultImageVersion = "7.0"

// Note: a standalone server runs through the testcontainers mongodb module with its port
// mapped. A replica set or a sharded cluster runs each member with host networking instead:
// members announce their addresses to each other and to clients (hello's hosts, the
// shards' host strings in config.shards), and only on the host network is the address a
// member knows itself by one a client on the host can reach. That needs a Linux Docker
// Engine (or Docker Desktop with host networking enabled).

func image(pl *plan) string {
	v := pl.spec.Version
	if v == "" {
		v = DefaultImageVersion
	}
	return "mongo:" + v
}

// startDocker starts the plan's topology as containers of the official mongo image.
func startDocker(ctx context.Context, pl *plan) (*instance, error) {
	if pl.backend != "" {
		return nil, fmt.Errorf("mongodb: setting backend=%s is FerretDB's; provider docker runs real MongoDB", pl.backend)
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("mongodb: docker: %w", err)
	}
	in := newInstance(pl.kind, pl.log)
	in.meta = engines.Info{Engine: Name, Flavor: FlavorMongoDB, Provider: engines.ProviderDocker, Topology: pl.kind}
	dp := &dockerProvisioner{pl: pl, cli: cli, image: image(pl)}
	in.cleanup = func() error {
		defer cli.Close()
		return dp.ctrs.TerminateAll()
	}
	switch pl.kind {
	case Standalone:
		err = dp.standalone(ctx, in)
	case ReplicaSet:
		err = dp.replicaSet(ctx, in)
	case Sharded:
		err = dp.sharded(ctx, in)
	}
	if err != nil {
		return in, err
	}
	return in, in.finish(ctx, pl)
}

// dockerProvisioner makes members as containers.
type dockerProvisioner struct {
	pl    *plan
	cli   *testcontainers.DockerClient
	image string
	ctrs  docker.Containers
}

func (dp *dockerProvisioner) memberConfig(name, addr string) docker.MemberConfig {
	return docker.MemberConfig{Name: name, Image: dp.image, Client: dp.cli, Created: dp.ctrs.Track,
		Ready: pingAt(addr), ReadyTimeout: dp.pl.timeout, Grace: 10 * time.Second}
}

// standalone runs one mongod through the testcontainers mongodb module, its port mapped.
func (dp *dockerProvisioner) standalone(ctx context.Context, in *instance) error {
	ctr, err := tcmongodb.Run(ctx, dp.image, testcontainers.WithCmd(append([]string{"mongod"}, dp.pl.mongodArgs()...)...))
	if ctr != nil {
		dp.ctrs.Track(ctr)
	}
	if err != nil {
		return fmt.Errorf("mongodb: docker image %s: %w", dp.image, err)
	}
	dsn, err := ctr.ConnectionString(ctx)
	if err != nil {
		return fmt.Errorf("mongodb: docker image %s: connection string: %w", dp.image, err)
	}
	addr := Address(dsn)
	n := in.set.Add("node-1", addr, kindData)
	in.groups[""] = []string{n.Name}
	return in.set.Start(ctx, n, docker.Adopt(dp.memberConfig(n.Name, addr), ctr))
}

// hostMember is one mongod or mongos on the host network, listening on port.
func (dp *dockerProvisioner) hostMember(name string, port int, args []string) nodes.Member {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cfg := dp.memberConfig(name, addr)
	cmd := append(args, "--port", strconv.Itoa(port), "--bind_ip", "127.0.0.1")
	cfg.Create = func(ctx context.Context) (testcontainers.Container, error) {
		return testcontainers.Run(ctx, dp.image,
			testcontainers.WithCmd(cmd...),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.NetworkMode = "host" }),
			testcontainers.WithWaitStrategy(wait.ForLog("Waiting for connections").WithStartupTimeout(dp.pl.timeout)),
		)
	}
	return docker.NewMember(cfg)
}

// startMembers starts the members of one replica set (name) and initiates it.
func (dp *dockerProvisioner) startMembers(ctx context.Context, in *instance, group, set, prefix, kind string, extra ...string) error {
	var names, hosts []string
	for i := range dp.pl.members {
		port, err := native.FreePort(0, 0)
		if err != nil {
			return fmt.Errorf("mongodb: %w", err)
		}
		name := fmt.Sprintf("%snode-%d", prefix, i+1)
		n := in.set.Add(name, "127.0.0.1:"+strconv.Itoa(port), kind)
		args := append(append([]string{"mongod", "--replSet", set}, extra...), dp.pl.mongodArgs()...)
		if kind == kindConfig {
			// Note: a config server takes no profiler or slowms of the shards'.
			args = append([]string{"mongod", "--replSet", set}, extra...)
		}
		if err := in.set.Start(ctx, n, dp.hostMember(name, port, args)); err != nil {
			return fmt.Errorf("mongodb: start %s: %w", name, err)
		}
		names, hosts = append(names, name), append(hosts, n.Addr)
	}
	in.groups[group] = names
	return in.initiate(ctx, set, hosts, kind == kindConfig, dp.pl.timeout)
}

// replicaSet starts the members of replica set rs0 and waits for its primary.
func (dp *dockerProvisioner) replicaSet(ctx context.Context, in *instance) error {
	return dp.startMembers(ctx, in, "", ReplicaSetName, "", kindData)
}

// sharded starts the config server replica set, the shards and a mongos, and adds the
// shards.
func (dp *dockerProvisioner) sharded(ctx context.Context, in *instance) error {
	members := dp.pl.members
	dp.pl.members = 1
	if err := dp.startMembers(ctx, in, "config", "config", "config-", kindConfig, "--configsvr"); err != nil {
		return err
	}
	dp.pl.members = members
	for s := 1; s <= dp.pl.shards; s++ {
		name := ShardName(s)
		if err := dp.startMembers(ctx, in, name, name, name+"-", kindData, "--shardsvr"); err != nil {
			return err
		}
	}
	port, err := native.FreePort(0, 0)
	if err != nil {
		return fmt.Errorf("mongodb: %w", err)
	}
	cfgNode, _ := in.set.Node("config-node-1")
	r := in.set.Add("mongos-1", "127.0.0.1:"+strconv.Itoa(port), kindRouter)
	if err := in.set.Start(ctx, r, dp.hostMember(r.Name, port, []string{"mongos", "--configdb", "config/" + cfgNode.Addr})); err != nil {
		return fmt.Errorf("mongodb: start mongos: %w", err)
	}
	return in.addShards(ctx, r, dp.pl.timeout)
}
