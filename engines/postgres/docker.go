package postgres

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/dbharness/dbharness/engines"
)

// DefaultImageVersion is the postgres image tag used when the spec names no version.
const DefaultImageVersion = "15"

// startDocker runs the official postgres image through the testcontainers-go module.
func startDocker(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	version := spec.Version
	if version == "" {
		version = DefaultImageVersion
	}
	image := "postgres:" + version
	cmd := append([]string{"postgres"}, settingArgs(serverSettings(spec))...)
	ctr, err := tcpostgres.Run(ctx, image,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("dbharness"),
		testcontainers.WithCmd(cmd...),
		tcpostgres.BasicWaitStrategies(),
	)
	var h *engines.Handle
	if ctr != nil {
		h = &engines.Handle{Stopper: func(ctx context.Context) error { return testcontainers.TerminateContainer(ctr) }}
	}
	if err != nil {
		return handleOrNil(h), fmt.Errorf("postgresql: docker image %s: %w", image, err)
	}
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return h, fmt.Errorf("postgresql: docker image %s: connection string: %w", image, err)
	}
	h.ConnString = dsn
	h.Meta = engines.Info{Engine: Name, Flavor: "postgresql", Provider: engines.ProviderDocker,
		Topology: "standalone", Address: engines.DSNAddress(dsn)}
	if err := prepare(ctx, dsn, spec, &h.Meta); err != nil {
		return h, err
	}
	logger(spec).Info("postgresql ready", "image", image, "address", h.Meta.Address, "version", h.Meta.Version)
	return h, nil
}

// handleOrNil keeps a nil *Handle from becoming a non-nil Instance interface.
func handleOrNil(h *engines.Handle) engines.Instance {
	if h == nil {
		return nil
	}
	return h
}

func logger(spec engines.Spec) *slog.Logger {
	if spec.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return spec.Logger.With("engine", Name)
}
