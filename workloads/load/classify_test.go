package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/workloads/internal/scratchdb"
)

func TestClassifyGeneric(t *testing.T) {
	expired, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	stopped, stop := context.WithCancel(context.Background())
	stop()
	cases := []struct {
		err        error
		run, op    context.Context
		want       string
		wantAbsent bool
	}{
		{err: fmt.Errorf("read: %w", io.EOF), want: ClassConnection},
		{err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, want: ClassConnection},
		{err: fmt.Errorf("write: %w", syscall.EPIPE), want: ClassConnection},
		{err: errors.New("conn closed"), want: ClassConnection},
		{err: fmt.Errorf("query: %w", context.DeadlineExceeded), want: ClassTimeout},
		{err: errors.New("anything"), op: expired, want: ClassTimeout},
		{err: errors.New("anything"), run: stopped, op: expired, want: ClassCancelled},
		{err: context.Canceled, want: ClassCancelled},
		{err: fmt.Errorf("wrapped: %w", fakeSQLState("40001")), want: "server:40001"},
		{err: &panicError{value: "x"}, want: ClassPanic},
		{err: errors.New("no idea"), want: ClassOther},
	}
	for _, c := range cases {
		if got := Classify(c.err, c.run, c.op); got != c.want {
			t.Errorf("Classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	if Classify(nil, nil, nil) != "" {
		t.Errorf("Classify(nil) is not empty")
	}
}

type fakeSQLState string

func (f fakeSQLState) Error() string    { return "ERROR: " + string(f) }
func (f fakeSQLState) SQLState() string { return string(f) }

// TestClassifyRealPostgresErrors runs operations that fail in known ways against the real
// server, through the engine, and checks each operation's error class.
func TestClassifyRealPostgresErrors(t *testing.T) {
	dsn := scratchdb.New(t)
	ctx := context.Background()
	setup, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(ctx, "CREATE TABLE uniq (id int PRIMARY KEY); INSERT INTO uniq VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	setup.Close(ctx)

	ops := []string{"syntax", "unique", "slow", "refused", "ok"}
	w := newFake(nil)
	w.ops = nil
	for _, o := range ops {
		w.ops = append(w.ops, opW(o, 1))
	}
	conns := make([]*pgx.Conn, 2)
	w.newErr = func(id int) error {
		c, err := pgx.Connect(ctx, dsn)
		conns[id] = c
		return err
	}
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close(ctx)
			}
		}
	}()
	w.do = func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		// pgx closes a connection whose query timed out: each operation starts on a live one,
		// so an earlier timeout never shows as this operation's connection error.
		if conns[vu].IsClosed() {
			nc, err := pgx.Connect(context.WithoutCancel(ctx), dsn)
			if err != nil {
				return err
			}
			conns[vu] = nc
		}
		c := conns[vu]
		switch ops[op] {
		case "syntax":
			_, err := c.Exec(ctx, "SELEC 1")
			return err
		case "unique":
			_, err := c.Exec(ctx, "INSERT INTO uniq VALUES (1)")
			return err
		case "slow":
			_, err := c.Exec(ctx, "SELECT pg_sleep(10)")
			return err
		case "refused":
			cc, err := pgx.Connect(ctx, "postgres://postgres:s3cret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
			if err == nil {
				cc.Close(ctx)
			}
			return err
		}
		_, err := c.Exec(ctx, "SELECT 1")
		return err
	}
	s, err := Run(ctx, w, testTarget, Options{Executor: "constant-vus", VUs: 2, Duration: 3 * time.Second, OpTimeout: time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"syntax": "server:42601", "unique": "server:23505", "slow": ClassTimeout, "refused": ClassConnection}
	for op, class := range want {
		st, _ := s.Op(op)
		if st.Count == 0 {
			t.Errorf("%s never ran", op)
			continue
		}
		// On a machine too busy for the operation's second, a timeout is a fair answer too:
		// never another class.
		others := st.Count - st.ErrorClasses[class]
		if class != ClassTimeout {
			others -= st.ErrorClasses[ClassTimeout]
		}
		if st.ErrorClasses[class] == 0 || others != 0 {
			t.Errorf("%s: classes %v of %d, want %s (or timeout); examples %v", op, st.ErrorClasses, st.Count, class, st.ErrorExamples)
		}
		for _, ex := range st.ErrorExamples[class] {
			if strings.Contains(ex, "s3cret") {
				t.Errorf("example leaks a password: %q", ex)
			}
		}
	}
	if okSt, _ := s.Op("ok"); okSt.Errors != okSt.ErrorClasses[ClassTimeout] || okSt.Count == 0 {
		t.Errorf("ok: %d of %d failed: %v", okSt.Errors, okSt.Count, okSt.ErrorExamples)
	}
	t.Logf("\n%s", s.Text())
}
