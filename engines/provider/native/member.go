package native

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrPortTaken is wrapped by Member.Start when the server's log says its address is in use:
// another process took the port between our look and the server's bind. Start again with
// another port (RetryPortTaken).
var ErrPortTaken = errors.New("port already in use")

// AddressInUse says whether a server's log tail reports a port taken (PostgreSQL, Redis,
// MariaDB and the JVM all write "Address already in use").
func AddressInUse(logTail string) bool {
	return strings.Contains(strings.ToLower(logTail), "address already in use")
}

// RetryPortTaken calls start up to attempts times while it fails with ErrPortTaken; start
// chooses a new port each time it is called.
func RetryPortTaken(attempts int, start func(attempt int) error) error {
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		if err = start(attempt); err == nil || !errors.Is(err, ErrPortTaken) {
			return err
		}
	}
	return err
}

// A MemberConfig says how to run one node of a multi-node instance as a restartable child.
type MemberConfig struct {
	Process Config
	// Ready probes the server; Start returns once it passes.
	Ready func(ctx context.Context) error
	// ReadyTimeout bounds the wait (default 60s).
	ReadyTimeout time.Duration
	// StopSignal is the server's graceful shutdown signal (default SIGTERM).
	StopSignal syscall.Signal
	// Grace is how long a graceful stop may take before SIGKILL (default 10s).
	Grace time.Duration
}

// A Member runs one node as a foreground child, again and again: it implements the node
// verbs of engines/nodes (start, kill, stop, pause, resume) on a native process.
type Member struct {
	cfg MemberConfig

	mu sync.Mutex
	p  *Process
}

// NewMember makes a member that is not started yet.
func NewMember(cfg MemberConfig) *Member {
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 60 * time.Second
	}
	if cfg.StopSignal == 0 {
		cfg.StopSignal = syscall.SIGTERM
	}
	if cfg.Grace == 0 {
		cfg.Grace = 10 * time.Second
	}
	return &Member{cfg: cfg}
}

func (m *Member) cur() *Process {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.p
}

// Start starts the process and waits until Ready passes. A server that fails because its
// port is taken yields an error wrapping ErrPortTaken.
func (m *Member) Start(ctx context.Context) error {
	p, err := Start(m.cfg.Process)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.p = p
	m.mu.Unlock()
	if m.cfg.Ready == nil {
		return nil
	}
	if err := p.WaitReady(ctx, m.cfg.ReadyTimeout, m.cfg.Ready); err != nil {
		_ = p.Stop(context.WithoutCancel(ctx), m.cfg.StopSignal, 2*time.Second)
		if AddressInUse(LogTail(m.cfg.Process.LogPath, 20)) {
			return fmt.Errorf("%w: %v", ErrPortTaken, err)
		}
		return err
	}
	return nil
}

// Kill sends SIGKILL to the process group and waits until the process is gone.
func (m *Member) Kill(ctx context.Context) error {
	p := m.cur()
	if err := p.Kill(); err != nil {
		return err
	}
	select {
	case <-p.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pid %d still running: %w", p.Pid(), ctx.Err())
	case <-time.After(10 * time.Second):
		return fmt.Errorf("pid %d still running 10s after SIGKILL", p.Pid())
	}
}

// Stop resumes a frozen process (it could not shut down otherwise), sends the stop signal,
// and kills the group after the grace period.
func (m *Member) Stop(ctx context.Context) error {
	p := m.cur()
	_ = syscall.Kill(-p.Pid(), syscall.SIGCONT)
	err := p.Stop(ctx, m.cfg.StopSignal, m.cfg.Grace)
	if GroupAlive(p.Pid()) {
		err = errors.Join(err, fmt.Errorf("processes of group %d still alive after stop", p.Pid()))
	}
	return err
}

// Pause freezes the whole process group (a server's forked children belong to it too).
func (m *Member) Pause(context.Context) error { return m.signal(syscall.SIGSTOP) }

// Resume lets the process group run again.
func (m *Member) Resume(context.Context) error { return m.signal(syscall.SIGCONT) }

// Exited is closed when the current run ends.
func (m *Member) Exited() <-chan struct{} { return m.cur().Done() }

// ExitErr says why the current run ended unasked, with its last log lines.
func (m *Member) ExitErr() error { return m.cur().Err() }

// LogTail is the last n lines of the node's log.
func (m *Member) LogTail(n int) string { return LogTail(m.cfg.Process.LogPath, n) }

// Pid is the current run's process id.
func (m *Member) Pid() int { return m.cur().Pid() }

func (m *Member) signal(sig syscall.Signal) error {
	p := m.cur()
	if err := syscall.Kill(-p.Pid(), sig); err != nil {
		return fmt.Errorf("signal %v to process group %d: %w", sig, p.Pid(), err)
	}
	return nil
}
