package redistest

import (
	"context"
	"testing"

	"github.com/dbharness/dbharness/engines/redis"
)

func TestDSNServesCommands(t *testing.T) {
	dsn := DSN(t, "--maxmemory", "10mb")
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
}
