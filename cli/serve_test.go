package cli_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/cli"
)

func TestServeRefusesBadInputBeforeStartingAnything(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "--engine is required"},
		{[]string{"serve", "--engine", "nosuchdb"}, "unknown database"},
		{[]string{"serve", "--engine", "cassandra", "--topology", "ring of three"}, `write one like "ring of 3 nodes"`},
		{[]string{"serve", "--engine", "postgresql", "--topology", "ring of 3 nodes"}, "is not a PostgreSQL topology"},
		{[]string{"serve", "--engine", "redis", "--provider", "external"}, "starts nothing"},
		{[]string{"serve", "--engine", "redis", "--provider", "teleport"}, "teleport"},
		{[]string{"serve", "--engine", "redis", "--setting", "maxmemory"}, "write name=value"},
		{[]string{"serve", "--engine", "redis", "cluster"}, "unexpected arguments"},
		{[]string{"serve", "--engine", "redis", "--dsn-file", "/nonexistent/folder/dsn"}, "does not exist"},
	} {
		var out bytes.Buffer
		err := cli.Run(context.Background(), c.args, &out, &out)
		var ex cli.ExitError
		if !errors.As(err, &ex) || ex.Code != cli.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v (exit %d), want exit %d saying %q", c.args, err, ex.Code, cli.ExitUsage, c.want)
		}
		if strings.Contains(out.String(), "starting") {
			t.Errorf("%q started something: %s", c.args, out.String())
		}
	}
}

func TestServeKeepsARedisUntilInterruptedThenStopsIt(t *testing.T) {
	dir := t.TempDir()
	dsnFile := filepath.Join(dir, "dsn")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--engine", "redis", "--provider", "native", "--workdir", dir,
			"--setting", "maxmemory=64mb", "--dsn-file", dsnFile}, &out, &errOut)
	}()
	// Note: the deadline only catches a server that never starts.
	deadline := time.Now().Add(2 * time.Minute)
	var raw []byte
	for {
		var err error
		if raw, err = os.ReadFile(dsnFile); err == nil && len(raw) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before it wrote the DSN: %v\n%s", err, errOut.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no DSN file after 2 minutes")
		}
	}
	if st, err := os.Stat(dsnFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the DSN file's mode: %v, %v; want 0600", st.Mode(), err)
	}
	u, err := url.Parse(strings.TrimSpace(string(raw)))
	if err != nil || u.Scheme != "redis" {
		t.Fatalf("DSN %q: %v", raw, err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatalf("the served Redis does not answer at %s: %v", u.Host, err)
	}
	conn.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after Ctrl-C: %v\n%s", err, errOut.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not return within 2 minutes of its interruption")
	}
	if c, err := net.Dial("tcp", u.Host); err == nil {
		c.Close()
		t.Errorf("Redis still answers at %s after serve returned", u.Host)
	}
	if !strings.Contains(out.String(), u.Host) {
		t.Errorf("stdout does not show the DSN: %q", out.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("serve left %d entries in its work folder (want only the DSN file): %v", len(entries), entries)
	}
}
