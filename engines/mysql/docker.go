package mysql

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/testcontainers/testcontainers-go"
	tcmariadb "github.com/testcontainers/testcontainers-go/modules/mariadb"
	tcmysql "github.com/testcontainers/testcontainers-go/modules/mysql"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// The image tags used when the spec names no version.
const (
	DefaultMySQLImage   = "8.4"
	DefaultMariaDBImage = "10.11"
)

// image is the image a plan runs: mysql:<version> or mariadb:<version>.
func image(pl *plan) string {
	v := pl.spec.Version
	if pl.flavor == FlavorMySQL {
		if v == "" {
			v = DefaultMySQLImage
		}
		return "mysql:" + v
	}
	if v == "" {
		v = DefaultMariaDBImage
	}
	return "mariadb:" + v
}

// dockerArgs are the server options as command-line arguments: the images' entrypoints pass
// them on to the server (mysqld and mariadbd take the same spellings of these).
func dockerArgs(pl *plan) []string {
	var args []string
	for _, k := range slices.Sorted(maps.Keys(pl.settings)) {
		args = append(args, "--"+strings.ReplaceAll(k, "_", "-")+"="+pl.settings[k])
	}
	return args
}

// startDocker runs one server through the testcontainers-go module of its flavor, as root
// with the plan's password (the collector reads performance_schema and the InnoDB status,
// which need global privileges).
//
// Note: a primary with replicas runs natively only: its nodes must reach each other at the
// addresses clients use, which takes host networking (as the Redis topologies do) and a
// MySQL 8 replication set-up that cannot be tried on the machines this was built on.
func startDocker(ctx context.Context, pl *plan) (*instance, error) {
	if pl.topology != Standalone {
		return nil, fmt.Errorf("mysql: topology %s runs with provider native (MariaDB) only; with docker, use a single server", pl.topology)
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql: docker: %w", err)
	}
	img := image(pl)
	var ctrs docker.Containers
	in := newInstance(pl)
	in.meta = engines.Info{Engine: Name, Flavor: pl.flavor, Provider: engines.ProviderDocker, Topology: Standalone}
	in.cleanup = func() error {
		defer cli.Close()
		return ctrs.TerminateAll()
	}
	in.admin = admin{user: "root", password: pl.password}
	opts := []testcontainers.ContainerCustomizer{testcontainers.WithCmdArgs(dockerArgs(pl)...)}
	var ctr testcontainers.Container
	var runErr error
	if pl.flavor == FlavorMySQL {
		var c *tcmysql.MySQLContainer
		c, runErr = tcmysql.Run(ctx, img, append(opts, tcmysql.WithUsername("root"), tcmysql.WithPassword(pl.password),
			tcmysql.WithDatabase(DefaultDatabase))...)
		if c != nil {
			ctr = c
		}
	} else {
		var c *tcmariadb.MariaDBContainer
		c, runErr = tcmariadb.Run(ctx, img, append(opts, tcmariadb.WithUsername("root"), tcmariadb.WithPassword(pl.password),
			tcmariadb.WithDatabase(DefaultDatabase))...)
		if c != nil {
			ctr = c
		}
	}
	if ctr != nil {
		ctrs.Track(ctr)
	}
	if runErr != nil {
		return in, fmt.Errorf("mysql: docker image %s: %w", img, runErr)
	}
	addr, err := ctr.PortEndpoint(ctx, "3306/tcp", "")
	if err != nil {
		return in, fmt.Errorf("mysql: docker image %s: mapped port: %w", img, err)
	}
	n := in.set.Add("node-1", addr, kindData)
	cfg := docker.MemberConfig{Name: "node-1", Image: img, Client: cli, Created: ctrs.Track,
		Ready: func(ctx context.Context) error { db := in.admin.open(n); defer db.Close(); return db.PingContext(ctx) }, ReadyTimeout: pl.timeout}
	if err := in.set.Start(ctx, n, docker.Adopt(cfg, ctr)); err != nil {
		return in, err
	}
	in.target = Target{Scheme: SchemeStandalone, Addrs: []string{n.Addr}, User: "root", Password: pl.password,
		Database: DefaultDatabase, Params: map[string]string{}}
	in.meta.Address = in.target.Address()
	if err := in.readInfo(ctx, n, slices.Collect(maps.Keys(pl.spec.Settings))); err != nil {
		return in, err
	}
	pl.log.Info("mysql ready", "image", img, "address", in.meta.Address, "version", in.meta.Version)
	return in, in.seed(ctx, n, pl.spec.Seed)
}
