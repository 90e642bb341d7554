package sqlserver

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"

	"github.com/testcontainers/testcontainers-go"
	tcmssql "github.com/testcontainers/testcontainers-go/modules/mssql"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// containerPort is where SQL Server listens inside the container.
const containerPort = "1433/tcp"

// startDocker runs Microsoft's image through the testcontainers mssql module, which waits
// as it does for the port and "Recovery is complete."; the server then gets its settings
// and the scenario's database.
func startDocker(ctx context.Context, spec engines.Spec, s Settings) (engines.Instance, error) {
	img := image(spec.Version)
	password := s.Password
	if password == "" {
		password = newPassword()
	}
	ctr, err := tcmssql.Run(ctx, img,
		tcmssql.WithAcceptEULA(),
		tcmssql.WithPassword(password),
		testcontainers.WithEnv(s.Env),
	)
	var h *engines.Handle
	var stopping atomic.Bool
	if ctr != nil {
		h = &engines.Handle{Stopper: func(ctx context.Context) error {
			stopping.Store(true)
			return testcontainers.TerminateContainer(ctr)
		}}
	}
	if err != nil {
		return handleOrNil(h), fmt.Errorf("sqlserver: docker image %s: %w (a password the policy refuses stops the container before it is ready: see its log)", img, err)
	}
	host, err := ctr.Host(ctx)
	if err != nil {
		return h, fmt.Errorf("sqlserver: docker image %s: host: %w", img, err)
	}
	port, err := ctr.MappedPort(ctx, containerPort)
	if err != nil {
		return h, fmt.Errorf("sqlserver: docker image %s: mapped port: %w", img, err)
	}
	// Note: no TLS to a container of our own: its certificate is self-signed with a
	// negative serial number, which Go's x509 refuses (microsoft/mssql-docker#895).
	server, err := ParseDSN(BuildDSN(host, int(port.Num()), "sa", password, url.Values{"encrypt": {"disable"}}))
	if err != nil {
		return h, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return h, fmt.Errorf("sqlserver: docker: %w", err)
	}
	member := docker.Adopt(docker.MemberConfig{Name: "sqlserver", Image: img, Client: cli}, ctr)
	h.Exited = member.Exited()
	h.ExitErr = func() error {
		if stopping.Load() {
			return nil
		}
		return member.ExitErr()
	}
	h.Killer = func() error { return member.Kill(context.Background()) }
	stop := h.Stopper
	h.Stopper = func(ctx context.Context) error { defer cli.Close(); return stop(ctx) }
	h.Meta = engines.Info{Engine: Name, Flavor: Name, Provider: engines.ProviderDocker, Topology: engines.Standalone, Address: server.Address()}
	p, err := prepare(ctx, server, spec, s, &h.Meta, true)
	if p != nil {
		h.ConnString = p.dsn.String()
	}
	if err != nil {
		return h, fmt.Errorf("%w\n--- last lines of the container's log ---\n%s", err, member.LogTail(15))
	}
	logger(spec).Info("sqlserver ready", "image", img, "address", h.Meta.Address, "version", h.Meta.Version, "database", p.dsn.Database())
	return h, nil
}

// handleOrNil keeps a nil *Handle from becoming a non-nil Instance interface.
func handleOrNil(h *engines.Handle) engines.Instance {
	if h == nil {
		return nil
	}
	return h
}
