package native

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// StartLock takes a lock shared by every dbharness process on this machine, by name ("jvm"),
// and returns the function that releases it. Engines hold it while a heavy server boots:
// two JVM databases starting at once on a 2-core machine (go test runs packages in parallel)
// each take twice as long and time out, where one after the other both are up in seconds.
// It is an flock on a file in the temporary folder, so a process that dies releases it.
// While it waits, the lock's holder is named in the error if ctx ends first.
func StartLock(ctx context.Context, name string) (release func(), err error) {
	path := filepath.Join(os.TempDir(), "dbharness-"+name+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("start lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			f.Close()
			return nil, fmt.Errorf("start lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			holder, _ := os.ReadFile(path)
			f.Close()
			return nil, fmt.Errorf("waiting for the %s start lock %s (held by pid %s): %w", name, path, trimNewline(holder), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func trimNewline(b []byte) string {
	s := string(b)
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	if s == "" {
		return "unknown"
	}
	return s
}
