package result

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by the Makefile through -ldflags; a plain `go build` leaves them empty and Detect fills
// in what it can.
var (
	Version = ""
	Commit  = ""
)

// Environment fingerprints the machine and harness a run used, so results from different
// machines or builds are never compared as if they were alike.
type Environment struct {
	Host      string `json:"host"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	Kernel    string `json:"kernel,omitempty"`
	CPUModel  string `json:"cpu_model,omitempty"`
	CPUs      int    `json:"cpus"`
	MemoryMiB int64  `json:"memory_mib,omitempty"`
	GoVersion string `json:"go_version"`
	Harness   string `json:"harness_version"`
	Commit    string `json:"harness_commit,omitempty"`
	CI        bool   `json:"ci"`
}

// DetectEnvironment reads the fingerprint of this machine and build.
func DetectEnvironment() Environment {
	host, _ := os.Hostname()
	env := Environment{
		Host: host, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Harness: Version, Commit: Commit,
		CI: os.Getenv("CI") != "",
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		env.Kernel = strings.TrimSpace(string(b))
	}
	env.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		for _, c := range strings.TrimSuffix(kb, " kB") {
			if c >= '0' && c <= '9' {
				n = n*10 + int64(c-'0')
			}
		}
		env.MemoryMiB = n / 1024
	}
	if env.Harness == "" {
		env.Harness = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			env.Harness = bi.Main.Version
		}
	}
	if env.Commit == "" {
		env.Commit = vcsRevision()
	}
	return env
}

func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// vcsRevision asks the build info, then git, for the commit; "" when neither knows.
func vcsRevision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
