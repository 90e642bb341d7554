package mysql

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mysql/mysqltest"
	"github.com/dbharness/dbharness/workloads"
)

// The driver gets a context it does not watch (session.interruptible); a statement whose
// operation times out is still interrupted, and the worker connects again for the next one.
func TestAStatementIsInterruptedWhenItsOperationEnds(t *testing.T) {
	inst := mysqltest.Start(t, engines.Spec{})
	s, err := newSession(workloads.Target{Engine: Database, DSN: inst.DSN()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if _, err := s.get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.netConn.Load() == nil {
		t.Fatal("the session did not keep its socket")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.done(s.query(ctx, "SELECT SLEEP(60)")) }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // only a hang: the interrupt comes at 200ms
		t.Fatal("SELECT SLEEP(60) was not interrupted when its operation timed out")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("interrupted statement: %v, want the operation's deadline named", err)
	}
	if s.conn != nil {
		t.Error("the interrupted connection is kept")
	}
	// The next operation connects again, and a statement that ends in time is not disturbed.
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := s.get(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.done(s.query(ctx, "SELECT ?", i)); err != nil {
			t.Fatalf("after the interrupt: %v", err)
		}
		cancel()
		if s.conn == nil {
			t.Fatal("a statement that ended in time lost its connection")
		}
	}
}
