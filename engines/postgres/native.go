package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// BinDirEnv overrides where the PostgreSQL server binaries are looked for.
const BinDirEnv = "DBHARNESS_PG_BINDIR"

const installHint = "install them with `apt-get install postgresql postgresql-contrib` (Debian/Ubuntu), or set " + BinDirEnv

// findNative returns the directory holding postgres and initdb for the wanted major version
// ("" = the newest installed).
func findNative(version string) (string, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		if !hasServer(dir) {
			return "", fmt.Errorf("PostgreSQL server binaries not found in %s=%s: %s", BinDirEnv, dir, installHint)
		}
		return dir, nil
	}
	installed := map[string]string{} // major version -> bin dir
	if matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(matches) > 0 {
		for _, dir := range matches {
			if hasServer(dir) {
				installed[filepath.Base(filepath.Dir(dir))] = dir
			}
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServer(dir) {
			if v := majorVersion(dir); v != "" && installed[v] == "" {
				installed[v] = dir
			}
		}
	}
	if len(installed) == 0 {
		return "", fmt.Errorf("PostgreSQL server binaries (postgres, initdb) not found in /usr/lib/postgresql/*/bin or by pg_config: %s", installHint)
	}
	versions := make([]string, 0, len(installed))
	for v := range installed {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
	if version == "" {
		return installed[versions[len(versions)-1]], nil
	}
	if dir, ok := installed[majorOf(version)]; ok {
		return dir, nil
	}
	return "", fmt.Errorf("PostgreSQL %s is not installed here (installed: %s): install it with `apt-get install postgresql-%s postgresql-contrib`, or use provider docker", version, strings.Join(versions, ", "), majorOf(version))
}

func hasServer(dir string) bool {
	for _, b := range []string{"postgres", "initdb"} {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

func majorVersion(binDir string) string {
	out, err := exec.Command(filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out)) // postgres (PostgreSQL) 15.18 (Debian ...)
	if len(f) < 3 {
		return ""
	}
	return majorOf(f[2])
}

func majorOf(v string) string { return strings.SplitN(strings.TrimSpace(v), ".", 2)[0] }

func versionLess(a, b string) bool {
	var x, y int
	fmt.Sscan(a, &x)
	fmt.Sscan(b, &y)
	return x < y
}

// startNative runs initdb and the postgres server as our foreground child, as the
// unprivileged postgres user when we are root (PostgreSQL refuses to run as root).
func startNative(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	binDir, err := findNative(spec.Version)
	if err != nil {
		return nil, err
	}
	var runAs *native.User
	if native.IsRoot() {
		if runAs, err = native.LookupUser("postgres"); err != nil {
			return nil, fmt.Errorf("postgresql refuses to run as root and needs an unprivileged user: %w", err)
		}
	}
	dir, err := native.PrivateDir(spec.WorkDir, "dbharness-postgresql-", runAs)
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	removeDir := func() { os.RemoveAll(dir) }
	data := filepath.Join(dir, "data")
	initdb := filepath.Join(binDir, "initdb")
	if err := native.RunOnce(ctx, runAs, dir, initdb, "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		removeDir()
		return nil, fmt.Errorf("postgresql: initdb: %w", err)
	}
	timeout := spec.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	settings := serverSettings(spec)
	// A port can be taken between our look and the server's bind: try again with another.
	for attempt := 1; ; attempt++ {
		inst, err := launch(ctx, spec, binDir, dir, data, runAs, settings, timeout)
		if err == nil {
			return inst, nil
		}
		if attempt < 3 && errors.Is(err, errPortTaken) {
			spec.Port = 0
			continue
		}
		removeDir()
		return nil, err
	}
}

var errPortTaken = errors.New("port already in use")

func launch(ctx context.Context, spec engines.Spec, binDir, dir, data string, runAs *native.User, settings map[string]string, timeout time.Duration) (engines.Instance, error) {
	port, err := native.FreePort(spec.Port, 0)
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	if spec.Port != 0 && port != spec.Port {
		logger(spec).Info("preferred port is taken; using another", "preferred", spec.Port, "port", port)
	}
	logPath := filepath.Join(dir, fmt.Sprintf("postgres-%d.log", port))
	settings = maps.Clone(settings)
	settings[SettingServerLog] = logPath
	args := append([]string{"-D", data, "-p", fmt.Sprint(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"}, settingArgs(settings)...)
	proc, err := native.Start(native.Config{
		Name: "postgres", Path: filepath.Join(binDir, "postgres"), Args: args, Dir: dir,
		LogPath: logPath, User: runAs, Logger: logger(spec),
	})
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	dsn := fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", addr)
	stop := func(ctx context.Context) error {
		// SIGINT is PostgreSQL's fast shutdown: abort transactions, checkpoint, exit.
		err := proc.Stop(ctx, syscall.SIGINT, 10*time.Second)
		if native.GroupAlive(proc.Pid()) {
			err = errors.Join(err, fmt.Errorf("postgresql at %s: processes of group %d still alive after stop", addr, proc.Pid()))
		}
		os.RemoveAll(dir)
		return err
	}
	if err := proc.WaitReady(ctx, timeout, ping(dsn)); err != nil {
		_ = proc.Stop(context.WithoutCancel(ctx), syscall.SIGINT, 5*time.Second)
		if strings.Contains(native.LogTail(logPath, 20), "ddress already in use") {
			return nil, fmt.Errorf("postgresql on port %d: %w", port, errPortTaken)
		}
		return nil, fmt.Errorf("postgresql at %s (data %s): %w", addr, data, err)
	}
	h := &engines.Handle{
		Meta: engines.Info{Engine: Name, Flavor: "postgresql", Provider: engines.ProviderNative,
			Topology: "standalone", Address: addr},
		ConnString: dsn,
		Stopper:    stop,
		Exited:     proc.Done(),
		ExitErr:    proc.Err,
		Killer:     proc.Kill,
		PIDs:       func() []int { return []int{proc.Pid()} }, // the postmaster; backends are its children
	}
	if err := prepare(ctx, dsn, spec, &h.Meta); err != nil {
		return h, err // half-started: the caller stops it
	}
	logger(spec).Info("postgresql ready", "address", addr, "version", h.Meta.Version, "pid", proc.Pid(), "data", data)
	return h, nil
}
