// Package machine measures what the machine did while a run ran: the CPU the harness used
// (the client), the CPU of the database servers it watches (their process trees), the
// CPU everything else used (the neighbours), steal time, CPU and memory pressure (PSI) and
// the load average. The gate reads it twice: cost per operation (server and client CPU per
// operation) is a measure of its own that moves far less with neighbours than throughput
// does, and a difference in the neighbours' use between two sides explains a slowdown
// instead of calling it a regression.
//
// Note: read from /proc by hand (a few files, parsed in microseconds) rather than with a
// library such as gopsutil: we need exact clock-tick deltas of chosen process groups and the
// PSI totals, which the libraries round or lack.
package machine

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ticks is the kernel's clock ticks per second (USER_HZ), 100 on every Linux we run on.
const ticks = 100.0

// A Snapshot is the machine's counters at one moment.
type Snapshot struct {
	At      time.Time
	busy    float64         // seconds of CPU time all CPUs spent busy (not idle or iowait)
	steal   float64         // seconds stolen by the hypervisor
	self    float64         // CPU seconds of this process
	servers map[int]float64 // CPU seconds of each watched server's process tree, by its root pid
	cpuPSI  float64         // seconds some task waited for a CPU (PSI "some" total)
	memPSI  float64         // seconds some task waited for memory
	load1   float64
	ok      bool // /proc was readable
	missing []string
}

// Take reads the counters now; servers are the pids of the servers' main processes, whose
// process trees are counted apart (nil for none). What cannot be read is left at zero and
// said in Usage.Notes.
func Take(servers []int) Snapshot {
	s := Snapshot{At: time.Now(), servers: map[int]float64{}}
	busy, steal, err := readStat()
	if err != nil {
		s.missing = append(s.missing, "CPU times ("+err.Error()+")")
		return s
	}
	s.busy, s.steal, s.ok = busy, steal, true
	if v, err := procCPU("self"); err == nil {
		s.self = v
	}
	if len(servers) > 0 {
		s.servers = treeCPU(servers)
	}
	var e1, e2 error
	s.cpuPSI, e1 = readPSI("cpu")
	s.memPSI, e2 = readPSI("memory")
	if e1 != nil || e2 != nil {
		s.missing = append(s.missing, "pressure stall information (/proc/pressure)")
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			s.load1, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	return s
}

// Servers lists the servers' pids the snapshot watched.
func (s Snapshot) Servers() []int {
	out := make([]int, 0, len(s.servers))
	for p := range s.servers {
		out = append(out, p)
	}
	return out
}

// Usage is what the machine did between two snapshots.
type Usage struct {
	Seconds float64 `json:"seconds"` // the window
	CPUs    int     `json:"cpus"`
	// ClientCPU is the CPU seconds of the harness (it drives the load); ServerCPU those of
	// the watched servers' process trees (0 when the servers are not ours to see: docker,
	// external); OtherCPU everything else that ran on the machine.
	ClientCPU float64 `json:"client_cpu_seconds"`
	ServerCPU float64 `json:"server_cpu_seconds"`
	OtherCPU  float64 `json:"other_cpu_seconds"`
	// ServersSeen says whether ServerCPU counts the servers (their processes were ours).
	ServersSeen bool `json:"servers_seen"`
	// Steal is the share of CPU time the hypervisor took (0 to 1).
	Steal float64 `json:"steal"`
	// CPUPressure and MemoryPressure are the share of the window some task waited for a
	// CPU or for memory (PSI "some"), 0 to 1.
	CPUPressure    float64 `json:"cpu_pressure"`
	MemoryPressure float64 `json:"memory_pressure"`
	Load1          float64 `json:"load1"`
	// Notes say what could not be measured.
	Notes []string `json:"notes,omitempty"`
}

// Neighbours is the CPUs' worth of work everything but the harness and its servers did,
// on average over the window: 0.5 is half a core busy with something else.
func (u Usage) Neighbours() float64 {
	if u.Seconds <= 0 {
		return 0
	}
	return u.OtherCPU / u.Seconds
}

// Between is the usage from a to b.
func Between(a, b Snapshot) Usage {
	u := Usage{Seconds: b.At.Sub(a.At).Seconds(), CPUs: runtime.NumCPU(), Load1: b.load1}
	u.Notes = append(u.Notes, a.missing...)
	if !a.ok || !b.ok || u.Seconds <= 0 {
		return u
	}
	u.ClientCPU = max(b.self-a.self, 0)
	for p, v := range b.servers {
		if w, ok := a.servers[p]; ok {
			u.ServerCPU += max(v-w, 0)
			u.ServersSeen = true
		}
	}
	busy := max(b.busy-a.busy, 0)
	u.OtherCPU = max(busy-u.ClientCPU-u.ServerCPU, 0)
	if total := u.Seconds * float64(u.CPUs); total > 0 {
		u.Steal = min(max(b.steal-a.steal, 0)/total, 1)
	}
	u.CPUPressure = min(max(b.cpuPSI-a.cpuPSI, 0)/u.Seconds, 1)
	u.MemoryPressure = min(max(b.memPSI-a.memPSI, 0)/u.Seconds, 1)
	return u
}

// readStat reads the busy and stolen CPU seconds of all CPUs from /proc/stat.
func readStat() (busy, steal float64, err error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, fmt.Errorf("/proc/stat is empty")
	}
	// cpu user nice system idle iowait irq softirq steal guest guest_nice
	fields := strings.Fields(sc.Text())
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", sc.Text())
	}
	var v [8]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(fields[i+1], 64)
	}
	busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
	return busy / ticks, v[7] / ticks, nil
}

// procCPU is the user and system CPU seconds of a process (utime + stime).
func procCPU(pid string) (float64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, err
	}
	_, f, ok := statFields(b)
	if !ok {
		return 0, fmt.Errorf("/proc/%s/stat: unexpected format", pid)
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / ticks, nil
}

// statFields splits /proc/<pid>/stat after the command name (which may hold spaces):
// f[0] is the state (field 3), f[2] the process group (field 5), f[11] utime (field 14).
func statFields(b []byte) (comm string, f []string, ok bool) {
	i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if i < 0 || j < i {
		return "", nil, false
	}
	f = strings.Fields(string(b[j+1:]))
	return string(b[i+1 : j]), f, len(f) > 13
}

// treeCPU sums the CPU of each root's process tree: utime + stime of its live processes,
// and cutime + cstime, which hold the CPU of the children they reaped, so a server's exited
// connections (a PostgreSQL backend, reaped by the postmaster) still count.
func treeCPU(roots []int) map[int]float64 {
	type proc struct {
		ppid int
		cpu  float64
	}
	procs := map[int]proc{}
	if entries, err := os.ReadDir("/proc"); err == nil {
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if err != nil {
				continue
			}
			_, f, ok := statFields(b)
			if !ok {
				continue
			}
			ppid, _ := strconv.Atoi(f[1])
			sum := 0.0
			for _, i := range []int{11, 12, 13, 14} {
				v, _ := strconv.ParseFloat(f[i], 64)
				sum += v
			}
			procs[pid] = proc{ppid, sum / ticks}
		}
	}
	out := map[int]float64{}
	for _, r := range roots {
		out[r] = 0 // a server that exited still counts as seen, at what it had
	}
	for pid, p := range procs {
		// Walk up to a root; a chain is short (server, backend).
		for cur, hops := pid, 0; cur > 1 && hops < 64; cur, hops = procs[cur].ppid, hops+1 {
			if _, root := out[cur]; root {
				out[cur] += p.cpu
				break
			}
			if _, known := procs[cur]; !known {
				break
			}
		}
	}
	return out
}

// readPSI reads the "some" total (microseconds) of /proc/pressure/<what>, in seconds.
func readPSI(what string) (float64, error) {
	b, err := os.ReadFile("/proc/pressure/" + what)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "some ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				us, err := strconv.ParseFloat(v, 64)
				return us / 1e6, err
			}
		}
	}
	return 0, fmt.Errorf("/proc/pressure/%s has no some total", what)
}
