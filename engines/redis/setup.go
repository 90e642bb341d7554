package redis

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
)

// finishData makes the started data nodes one topology: replicas in sync, or a cluster with
// every slot assigned.
func (in *instance) finishData(ctx context.Context, pl *plan) error {
	in.target = Target{Scheme: SchemeStandalone, Password: pl.password}
	switch pl.topology {
	case Replicated, Sentinel:
		return in.waitSynced(ctx, in.dataNodes()[1:])
	case Cluster:
		return in.createCluster(ctx, pl)
	}
	return nil
}

// finish waits for the sentinels, then records the DSN and the facts the result keeps, and
// runs the seed commands.
func (in *instance) finish(ctx context.Context, pl *plan) error {
	data := in.dataNodes()
	switch pl.topology {
	case Standalone, Replicated:
		in.target = Target{Scheme: SchemeStandalone, Addrs: []string{data[0].Addr}, Password: pl.password}
	case Cluster:
		in.target = Target{Scheme: SchemeCluster, Password: pl.password}
		for _, n := range data {
			in.target.Addrs = append(in.target.Addrs, n.Addr)
		}
	case Sentinel:
		if err := in.waitSentinels(ctx, pl); err != nil {
			return err
		}
		in.target = Target{Scheme: SchemeSentinel, Password: pl.password, Primary: PrimaryName}
		for _, n := range in.sentinelNodes() {
			in.target.Addrs = append(in.target.Addrs, n.Addr)
		}
	}
	in.meta.Address = in.target.Address()
	if err := in.readInfo(ctx, data[0].Addr, slices.Collect(maps.Keys(pl.spec.Settings))); err != nil {
		return err
	}
	return in.seed(ctx, pl.spec.Seed)
}

// readInfo records the server version and the settings that matter for a benchmark.
func (in *instance) readInfo(ctx context.Context, addr string, extra []string) error {
	c := in.target.NodeClient(addr, func(o *goredis.Options) { o.DialTimeout, o.ReadTimeout = 5*time.Second, 5*time.Second })
	defer c.Close()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("redis %s at %s: INFO server: %s", in.topology, addr, engines.RedactDSN(err.Error()))
	}
	in.meta.Version = infoField(info, "redis_version")
	in.meta.Settings = map[string]string{}
	for _, name := range append(slices.Clone(reportedSettings), extra...) {
		if strings.HasPrefix(name, "sentinel.") {
			continue
		}
		got, err := c.ConfigGet(ctx, name).Result()
		if err != nil {
			continue // a setting the server does not know, or CONFIG renamed away
		}
		for k, v := range got {
			if secretSetting(k) && v != "" {
				v = engines.Redacted
			}
			in.meta.Settings[k] = v
		}
	}
	return nil
}

// seed runs the spec's seed commands, one command line each, through the topology's client.
func (in *instance) seed(ctx context.Context, cmds []string) error {
	if len(cmds) == 0 {
		return nil
	}
	c := in.target.NewClient(nil)
	defer c.Close()
	for i, line := range cmds {
		if err := runCommand(ctx, c, line); err != nil {
			return fmt.Errorf("redis %s at %s: seed command %d: %w", in.topology, in.meta.Address, i+1, err)
		}
	}
	return nil
}

// infoField reads "name:value" from an INFO reply.
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// poll calls check every interval until it returns nil or ctx ends; the error then is the
// last one check returned.
func poll(ctx context.Context, interval time.Duration, check func(context.Context) error) error {
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = check(attempt)
		cancel()

		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(interval):
		}
	}
}

// waitSynced waits until each replica has finished its first sync with its primary.
func (in *instance) waitSynced(ctx context.Context, replicas []*node) error {
	for _, r := range replicas {
		err := poll(ctx, 20*time.Millisecond, func(ctx context.Context) error { return in.replicaSynced(ctx, r) })
		if err != nil {
			return fmt.Errorf("redis %s: replica %s at %s did not sync: %v\n--- last lines of %s's log ---\n%s", in.topology, r.Name, r.Addr, err, r.Name, r.LogTail(10))
		}
	}
	return nil
}

// replicaSynced says whether r replicates and is in sync: its link to the primary is up and
// no sync is in progress.
func (in *instance) replicaSynced(ctx context.Context, r *node) error {
	c := in.nodeClient(r.Addr)
	defer c.Close()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("INFO replication: %s", engines.RedactDSN(err.Error()))
	}
	if role := infoField(info, "role"); role != "slave" {
		return fmt.Errorf("role is %s, not replica", role)
	}
	if link := infoField(info, "master_link_status"); link != "up" {
		return fmt.Errorf("link to primary %s:%s is %s", infoField(info, "master_host"), infoField(info, "master_port"), link)
	}
	if infoField(info, "master_sync_in_progress") != "0" {
		return fmt.Errorf("sync from the primary is in progress")
	}
	return nil
}
