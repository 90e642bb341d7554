// Package docker tells whether a Docker engine answers, for provider auto and for
// `dbharness engines`. Containers themselves are started by each engine through its
// testcontainers-go module.
package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Check returns nil when a Docker engine answers a ping within two seconds, else an error
// saying why Docker cannot be used.
func Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("no Docker engine answers (%v): start Docker, or set DOCKER_HOST", err)
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("the Docker engine does not answer a ping (%v): start Docker, or set DOCKER_HOST", err)
	}
	return nil
}
