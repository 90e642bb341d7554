package machine

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ListeningPIDs returns the processes on this machine that listen on address's TCP port
// ("127.0.0.1:5432", "localhost:6379"), when the host is a loopback name or address: the
// servers behind a DSN that somebody else started (an external PostgreSQL, a benchmark
// script's server), so their CPU per operation can be measured as that of the servers
// dbharness starts. None for another host, or when /proc does not say (a process of
// another user, when not root).
//
// Note: the socket's inode is looked up in /proc/net/tcp and tcp6, then among the open
// files of every process; that is what ss -p does, without needing ss.
func ListeningPIDs(address string) []int {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil
	}
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		for _, ino := range listeningInodes(table, port) {
			inodes["socket:["+ino+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return nil
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", e.Name(), "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join("/proc", e.Name(), "fd", fd.Name())); err == nil && inodes[link] {
				pids = append(pids, pid)
				break
			}
		}
	}
	return topmost(pids)
}

// listeningInodes are the inodes of the sockets in a /proc/net/tcp table that listen on
// port.
func listeningInodes(table string, port int) []string {
	f, err := os.Open(table)
	if err != nil {
		return nil
	}
	defer f.Close()
	want := fmt.Sprintf(":%04X", port)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" || !strings.HasSuffix(f[1], want) {
			continue
		}
		out = append(out, f[9])
	}
	return out
}

// topmost drops the pids whose parent is also in the list (a forked server's children
// share its listening socket), so each server's tree is counted once.
func topmost(pids []int) []int {
	var out []int
	for _, p := range pids {
		if !slices.Contains(pids, parent(p)) {
			out = append(out, p)
		}
	}
	return out
}

func parent(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	_, f, ok := statFields(b)
	if !ok {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
