// Package native supervises database servers run as local processes: each server is a
// foreground child of the harness (never daemonized), in its own process group, with its
// output captured to a log file, a readiness probe with a deadline, and a stop that is
// graceful first and forceful after a grace period. Nothing it starts outlives the harness:
// children get SIGKILL if the harness dies (Pdeathsig), and orphaned grandchildren are reaped.
package native

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Config describes one server process.
type Config struct {
	Name    string   // short name for messages and the log file, e.g. "postgres"
	Path    string   // executable
	Args    []string // arguments, without the executable
	Env     []string // extra environment, appended to the harness's
	Dir     string   // working directory
	LogPath string   // where stdout and stderr go
	User    *User    // run as this user (needed for servers that refuse root); nil = as the harness
	Logger  *slog.Logger
}

// Process is a running server started by Start.
type Process struct {
	cfg     Config
	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{}

	mu       sync.Mutex
	stopping bool
	exitErr  error // set when the process exited without being asked to
}

// Start starts the process and returns at once; use WaitReady to wait until it serves.
func Start(cfg Config) (*Process, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := becomeSubreaper(); err != nil {
		cfg.Logger.Debug("cannot become child subreaper; orphaned server processes may stay as zombies", "err", err)
	}
	logFile, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: open log file: %w", cfg.Name, err)
	}
	cmd := exec.Command(cfg.Path, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(), cfg.Env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Note: a process group of its own keeps a terminal's Ctrl-C away from the server (we
		// stop it in order ourselves) and lets Kill reach every backend at once.
		Setpgid: true,
		// Note: if the harness is killed outright, the kernel kills the server too.
		Pdeathsig: syscall.SIGKILL,
	}
	if cfg.User != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: cfg.User.UID, Gid: cfg.User.GID}
	}
	if err := spawn(cmd); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s (%s): %w", cfg.Name, cfg.Path, err)
	}
	p := &Process{cfg: cfg, cmd: cmd, logFile: logFile, done: make(chan struct{})}
	cfg.Logger.Debug("process started", "name", cfg.Name, "pid", cmd.Process.Pid, "log", cfg.LogPath)
	go p.wait()
	return p, nil
}

func (p *Process) wait() {
	err := p.cmd.Wait()
	reapGroup(p.cmd.Process.Pid)
	p.mu.Lock()
	if !p.stopping {
		if err == nil {
			err = errors.New("exited with status 0")
		}
		p.exitErr = fmt.Errorf("%s (pid %d) exited unexpectedly: %v%s", p.cfg.Name, p.cmd.Process.Pid, err, p.logTailForError())
	}
	p.mu.Unlock()
	p.logFile.Close()
	close(p.done)
}

// Pid is the server's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err says why the process exited when nobody asked it to, with its last log lines; nil while
// it runs or after Stop.
func (p *Process) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitErr
}

// LogPath is the file the process writes its output to.
func (p *Process) LogPath() string { return p.cfg.LogPath }

// Kill sends SIGKILL to the whole process group, as a crash would. It is not a Stop: the
// exit is reported through Err.
func (p *Process) Kill() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := syscall.Kill(-p.Pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s (pid %d): %w", p.cfg.Name, p.Pid(), err)
	}
	return nil
}

// Stop sends sig (the server's graceful shutdown signal), waits up to grace, then kills the
// whole process group. It returns once the process is reaped or ctx ends. Safe to call twice.
func (p *Process) Stop(ctx context.Context, sig syscall.Signal, grace time.Duration) error {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := syscall.Kill(p.Pid(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		p.cfg.Logger.Warn("graceful stop signal failed", "name", p.cfg.Name, "err", err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
		p.cfg.Logger.Warn("server did not stop in time; killing it", "name", p.cfg.Name, "grace", grace)
	case <-ctx.Done():
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("stop %s (pid %d): still running 5s after SIGKILL", p.cfg.Name, p.Pid())
	}
}

// WaitReady polls probe until it succeeds, the process exits, or timeout passes. The error
// names what failed and carries the server's last log lines.
func (p *Process) WaitReady(ctx context.Context, timeout time.Duration, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, time.Second)
		last = probe(attempt)
		cancelAttempt()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			if err := p.Err(); err != nil {
				return fmt.Errorf("%s did not become ready: %w", p.cfg.Name, err)
			}
			return fmt.Errorf("%s exited before it became ready%s", p.cfg.Name, p.logTailForError())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s (last probe: %v)%s", p.cfg.Name, timeout, last, p.logTailForError())
		case <-tick.C:
		}
	}
}

func (p *Process) logTailForError() string {
	tail := LogTail(p.cfg.LogPath, 15)
	if tail == "" {
		return ""
	}
	return fmt.Sprintf("\n--- last lines of %s ---\n%s", filepath.Base(p.cfg.LogPath), tail)
}
