package redistest

import (
	"context"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines/redis"
)

func TestDSNServesCommands(t *testing.T) {
	dsn := DSN(t, "--maxmemory", "10mb", "--save", "900", "1")
	c, err := redis.NewClient(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := c.ConfigGet(ctx, "maxmemory").Result()
	if err != nil || got["maxmemory"] != "10485760" {
		t.Fatalf("CONFIG GET maxmemory = %v, %v; want 10485760 (the extra argument)", got, err)
	}
	if got, _ := c.ConfigGet(ctx, "save").Result(); got["save"] != "900 1" {
		t.Errorf("CONFIG GET save = %v, want 900 1 (a value of two words)", got)
	}
}

func TestArgumentsBeforeAnyNameAreRefused(t *testing.T) {
	if _, err := settingsFromArgs([]string{"10mb"}); err == nil || !strings.Contains(err.Error(), "--maxmemory") {
		t.Errorf("settingsFromArgs(10mb) = %v", err)
	}
}

func TestClusterAndSentinelServeThroughTheirDSN(t *testing.T) {
	ctx := context.Background()
	for _, inst := range []redis.Topology{Cluster(t), Sentinel(t)} {
		c, err := redis.NewClient(inst.DSN())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a", "b", "c", "{user1}x"} {
			if err := c.Set(ctx, k, "v", 0).Err(); err != nil {
				t.Errorf("%s: SET %s: %v", inst.Topology(), k, err)
			}
		}
		c.Close()
		if err := inst.Healthy(ctx); err != nil {
			t.Errorf("%s: Healthy = %v", inst.Topology(), err)
		}
	}
}
