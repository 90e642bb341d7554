package native

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFreePortAvoidsATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	got, err := FreePort(taken, 0)
	if err != nil || got == taken || got == 0 {
		t.Errorf("FreePort(%d) = %d, %v; want another port", taken, got, err)
	}
	if got, err := FreePort(0, 55535); err != nil || got > 55535 {
		t.Errorf("FreePort(0, 55535) = %d, %v", got, err)
	}
}

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	var b strings.Builder
	for i := range 100 {
		b.WriteString(strings.Repeat("x", i%7) + "line\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	tail := strings.Split(LogTail(path, 3), "\n")
	if len(tail) != 3 || !strings.HasSuffix(tail[2], "line") {
		t.Errorf("LogTail = %q", tail)
	}
	if LogTail(filepath.Join(t.TempDir(), "missing"), 3) != "" {
		t.Error("LogTail of a missing file should be empty")
	}
}

func TestProcessExitIsReportedWithLogAndStopIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	p, err := Start(Config{Name: "sh", Path: "/bin/sh", Args: []string{"-c", "echo booting; echo fatal: disk on fire; exit 3"},
		Dir: dir, LogPath: filepath.Join(dir, "sh.log")})
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitReady(context.Background(), 5*time.Second, func(context.Context) error { return os.ErrNotExist })
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("WaitReady = %v, want the exit status and the log tail", err)
	}
	if p.Err() == nil {
		t.Error("Err() = nil after an unexpected exit")
	}
	if err := p.Stop(context.Background(), syscall.SIGTERM, time.Second); err != nil {
		t.Errorf("Stop after exit = %v", err)
	}
}

func TestStopKillsAProcessThatIgnoresTheSignal(t *testing.T) {
	dir := t.TempDir()
	p, err := Start(Config{Name: "stubborn", Path: "/bin/sh", Args: []string{"-c", "trap '' TERM; sleep 60 & wait"},
		Dir: dir, LogPath: filepath.Join(dir, "s.log")})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := p.Stop(context.Background(), syscall.SIGTERM, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if GroupAlive(p.Pid()) {
		t.Errorf("group %d alive after Stop", p.Pid())
	}
	if p.Err() != nil {
		t.Errorf("Err() = %v after a requested stop", p.Err())
	}
	if d := time.Since(start); d > 30*time.Second { // the process ignores TERM for a minute
		t.Errorf("Stop took %v", d)
	}
}

func TestPrivateDirRefusesAnUnreachableParent(t *testing.T) {
	if !IsRoot() {
		t.Skip("needs root to hand a directory to another user")
	}
	u, err := LookupUser("nobody")
	if err != nil {
		t.Skip("no user nobody here: " + err.Error())
	}
	parent := t.TempDir()
	os.Chmod(parent, 0o700)
	if _, err := PrivateDir(parent, "x-", u); err == nil || !strings.Contains(err.Error(), "not reachable by user nobody") {
		t.Errorf("PrivateDir = %v, want an unreachable-directory error", err)
	}
	if _, err := LookupUser("no-such-user-here"); err == nil {
		t.Error("LookupUser of a missing user succeeded")
	}
}

// A folder whose dbharness is gone is swept; one whose owner runs, or one without an owner
// file, is left alone.
func TestSweepStaleRemovesOnlyFoldersOfRunsThatAreGone(t *testing.T) {
	parent := t.TempDir()
	mine, err := PrivateDir(parent, "dbharness-test-", nil)
	if err != nil {
		t.Fatal(err)
	}
	// A process that has exited stands for a killed run.
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(parent, "dbharness-gone-1")
	os.MkdirAll(filepath.Join(gone, "data"), 0o700)
	os.WriteFile(filepath.Join(gone, ownerFile), fmt.Appendf(nil, "%d 12345\n", cmd.Process.Pid), 0o644)
	// Our own pid with another start time is a reused pid: its folder is stale too.
	reused := filepath.Join(parent, "dbharness-reused-1")
	os.MkdirAll(reused, 0o700)
	os.WriteFile(filepath.Join(reused, ownerFile), fmt.Appendf(nil, "%d 1\n", os.Getpid()), 0o644)
	unowned := filepath.Join(parent, "dbharness-unowned")
	os.MkdirAll(unowned, 0o700)
	other := filepath.Join(parent, "not-ours")
	os.MkdirAll(other, 0o700)

	removed, err := SweepStale(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || !strings.Contains(strings.Join(removed, " "), "is gone") {
		t.Errorf("removed %v, want the gone and the reused folder, each saying why", removed)
	}
	for dir, want := range map[string]bool{mine: true, gone: false, reused: false, unowned: true, other: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", dir, err == nil, want)
		}
	}
}

// A goroutine locked to its thread that returns ends the thread; a server it started must
// not get the death signal that Pdeathsig ties to the forking thread (golang/go#27505).
func TestAServerOutlivesTheThreadThatStartedIt(t *testing.T) {
	dir := t.TempDir()
	type started struct {
		p   *Process
		tid int
		err error
	}
	var s started
	for range 20 { // the main thread is never ended, so try until a goroutine gets another
		ch := make(chan started, 1)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			tid := syscall.Gettid()
			if tid == os.Getpid() {
				ch <- started{tid: tid}
				return
			}
			p, err := Start(Config{Name: "sleep", Path: "/bin/sleep", Args: []string{"60"}, Dir: dir, LogPath: filepath.Join(dir, "sleep.log")})
			ch <- started{p, tid, err}
		}()
		if s = <-ch; s.err != nil {
			t.Fatal(s.err)
		}
		if s.p != nil {
			break
		}
	}
	if s.p == nil {
		t.Skip("every goroutine ran on the main thread, which Go never ends")
	}
	// Note: the thread's /proc entry goes once the thread is released, after the kernel has
	// sent its children's death signals.
	task := fmt.Sprintf("/proc/self/task/%d", s.tid)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(task); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread %d still there", s.tid)
		}
	}
	// Note: a SIGKILL sent at the thread's exit is pending before this SIGTERM, so the exit
	// status says which one ended the process.
	if err := s.p.Stop(context.Background(), syscall.SIGTERM, time.Minute); err != nil {
		t.Fatal(err)
	}
	if ws, ok := s.p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGTERM {
		t.Errorf("the server ended with %v, want it alive until the SIGTERM", s.p.cmd.ProcessState)
	}
}
