package native

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ownerFile, in every private directory, names the dbharness process that made it: its pid
// and the start time the kernel gives that pid, so a reused pid is not taken for the owner.
const ownerFile = "dbharness-owner"

// writeOwner records this process as the owner of dir.
func writeOwner(dir string) error {
	start, ok := startTime(os.Getpid())
	if !ok {
		return nil // no /proc: stale folders cannot be told from live ones, so none are swept
	}
	return os.WriteFile(filepath.Join(dir, ownerFile), fmt.Appendf(nil, "%d %d\n", os.Getpid(), start), 0o644)
}

// startTime is field 22 of /proc/<pid>/stat: when the process started, in clock ticks since
// boot.
func startTime(pid int) (uint64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may contain spaces: count fields after its closing paren.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(f[19], 10, 64)
	return v, err == nil
}

// SweepStale removes the private directories under parent (os.TempDir() if empty) whose
// dbharness process is gone: a run that was killed outright (kill -9) cannot clean up
// after itself, so the next one does. It returns what it removed; directories without an
// owner file, or whose owner still runs, are left alone.
func SweepStale(parent string) ([]string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("look for stale work folders in %s: %w", parent, err)
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "dbharness-") {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		var pid int
		var start uint64
		if _, err := fmt.Sscan(string(b), &pid, &start); err != nil || pid <= 0 {
			continue
		}
		if now, alive := startTime(pid); alive && now == start {
			continue
		}
		if err := os.RemoveAll(dir); err == nil {
			removed = append(removed, fmt.Sprintf("%s (its dbharness, pid %d, is gone)", dir, pid))
		}
	}
	return removed, nil
}
