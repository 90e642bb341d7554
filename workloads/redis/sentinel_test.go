package redis

import (
	"context"
	"strings"
	"testing"
	"time"

	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/dbharness/dbharness/workloads/load"
)

// TestSentinel runs through a sentinel DSN and keeps writing across a failover: the
// failover client finds the new primary, errors in between are classified, and every
// acknowledged write is read back and the lost ones counted.
func TestSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a primary, a replica and a sentinel")
	}
	topo := redistest.Sentinel(t)
	dsn := topo.DSN()
	if !strings.HasPrefix(dsn, engredis.SchemeSentinel+"://") {
		t.Fatalf("sentinel DSN %s", dsn)
	}
	target := targetOf(dsn)
	ctx := context.Background()
	if err := (KeysDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	noErrors(t, iterations(t, prepare(t, GetSet{}, target), target, 2, 300), 300)

	before, err := topo.Primary(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	run := prepare(t, AckedWrites{}, target).(*ackedRun)
	time.AfterFunc(400*time.Millisecond, func() {
		if err := topo.Failover(ctx, ""); err != nil {
			t.Errorf("failover: %v", err)
		}
	})
	s, err := load.Run(ctx, run, target, load.Options{Executor: "constant-vus", VUs: 3, Duration: 4 * time.Second,
		OpTimeout: time.Second, ProgressInterval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	after, err := topo.Primary(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if after.Addr == before.Addr {
		t.Fatalf("the primary is still %s after the failover", before.Addr)
	}
	t.Logf("primary %s -> %s; errors %v %v", before.Addr, after.Addr, s.Total.ErrorClasses, s.Total.ErrorExamples)
	if _, ok := s.Total.ErrorClasses[load.ClassOther]; ok {
		t.Errorf("unclassified errors: %v", s.Total.ErrorExamples)
	}
	last := s.Intervals[len(s.Intervals)-2]
	if last.Ops == 0 || last.Errors != 0 {
		t.Errorf("after the failover: interval %+v, want writes and no errors", last)
	}
	v, err := run.Verify(ctx, target)
	if err != nil || v.Acknowledged == 0 {
		t.Fatalf("Verify = %+v, %v", v, err)
	}
	// SENTINEL FAILOVER does not fence the old primary: until the sentinel turns it into a
	// replica it acknowledges writes that its resync then drops. Whatever the count, what
	// Verify calls lost must be missing on the new primary.
	if v.Lost >= v.Acknowledged {
		t.Errorf("Verify = %+v: everything lost", v)
	}
	c := client(t, dsn)
	for _, e := range v.Examples {
		key, _, _ := strings.Cut(e, " ")
		if n := c.Exists(ctx, key).Val(); n != 0 || !strings.HasSuffix(e, "(missing)") {
			t.Errorf("lost example %q exists (%d) on the new primary", e, n)
		}
	}
	t.Logf("%d acknowledged, %d lost (written to the old primary before it was demoted), %d unacknowledged",
		v.Acknowledged, v.Lost, v.Unacknowledged)
}
