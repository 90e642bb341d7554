package native

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes the harness adopt the orphans of the servers it starts: when a server
// is killed, its worker processes (PostgreSQL backends, for instance) would otherwise go to
// PID 1, which on some machines never reaps them, and stay as zombies.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// reapGroup reaps the zombies in process group pgid that were handed to us as orphans. The
// group leader is left alone: its exec.Cmd waits for it.
// Note: we reap by pid, never with wait(-1), so children of other code are never stolen.
func reapGroup(pgid int) {
	self := os.Getpid()
	for _, pid := range groupMembers(pgid) {
		if pid == pgid {
			continue
		}
		if st, ok := procStat(pid); ok && st.ppid == self && st.state == "Z" {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// GroupAlive reports whether any process of group pgid still runs (zombies do not count).
func GroupAlive(pgid int) bool {
	for _, pid := range groupMembers(pgid) {
		if st, ok := procStat(pid); ok && st.state != "Z" && st.state != "X" {
			return true
		}
	}
	return false
}

// ProcessesUnder lists the live processes (zombies do not count) whose working directory is
// dir or below it: servers run in their data directories, so after a run it says what was
// left behind.
func ProcessesUnder(dir string) []int {
	dir = filepath.Clean(dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || (cwd != dir && !strings.HasPrefix(cwd, dir+string(filepath.Separator))) {
			continue
		}
		if st, ok := procStat(pid); ok && st.state != "Z" && st.state != "X" {
			pids = append(pids, pid)
		}
	}
	return pids
}

func groupMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.pgrp == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

type stat struct {
	state      string
	ppid, pgrp int
}

// procStat reads /proc/<pid>/stat: "pid (comm) state ppid pgrp ...". comm may hold spaces and
// parentheses, so split after the last ')'.
func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return stat{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return stat{}, false
	}
	return stat{state: f[0], ppid: ppid, pgrp: pgrp}, true
}
