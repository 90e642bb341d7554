package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// ErrPortTaken is wrapped by Member.Start when the container's log says its address is in use
// (a node on the host network whose port another process took).
var ErrPortTaken = errors.New("port already in use")

// A MemberConfig says how to run one node of a multi-node instance as a container.
type MemberConfig struct {
	Name   string // node name, for messages
	Image  string // for messages
	Client *testcontainers.DockerClient
	// Create runs the node's container for its first start (through the engine's
	// testcontainers module or testcontainers.Run); later starts restart that container.
	Create func(ctx context.Context) (testcontainers.Container, error)
	// Created, if set, is told of every container made, so the engine can remove them all.
	Created func(testcontainers.Container)
	// Ready probes the server after each start.
	Ready func(ctx context.Context) error
	// ReadyTimeout bounds the wait (default 60s).
	ReadyTimeout time.Duration
	// Grace is how long a graceful stop may take (default 5s).
	Grace time.Duration
}

// A Member runs one node as a container: it implements the node verbs of engines/nodes
// (start, kill, stop, pause, resume) with the Docker API.
type Member struct {
	cfg MemberConfig

	mu      sync.Mutex
	ctr     testcontainers.Container
	exitCh  chan struct{}
	exitMsg error
}

// NewMember makes a member whose container does not exist yet.
func NewMember(cfg MemberConfig) *Member {
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 60 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 5 * time.Second
	}
	return &Member{cfg: cfg}
}

// Adopt makes a member of a container that already runs (started by a testcontainers
// module) and watches it.
func Adopt(cfg MemberConfig, ctr testcontainers.Container) *Member {
	m := NewMember(cfg)
	m.ctr = ctr
	m.watch()
	return m
}

// Start creates the container the first time and starts it again afterwards, then waits
// until Ready passes.
func (m *Member) Start(ctx context.Context) error {
	m.mu.Lock()
	ctr := m.ctr
	m.mu.Unlock()
	if ctr == nil {
		c, err := m.cfg.Create(ctx)
		if c != nil {
			if m.cfg.Created != nil {
				m.cfg.Created(c)
			}
			m.mu.Lock()
			m.ctr = c
			m.mu.Unlock()
		}
		if err != nil {
			if c != nil && strings.Contains(strings.ToLower(m.LogTail(20)), "address already in use") {
				return fmt.Errorf("%w: %v", ErrPortTaken, err)
			}
			return fmt.Errorf("container for %s (image %s): %w", m.cfg.Name, m.cfg.Image, err)
		}
	} else if err := ctr.Start(ctx); err != nil {
		return fmt.Errorf("start the container of %s again: %w", m.cfg.Name, err)
	}
	if m.cfg.Ready != nil {
		wait, cancel := context.WithTimeout(ctx, m.cfg.ReadyTimeout)
		defer cancel()
		if err := poll(wait, m.cfg.Ready); err != nil {
			return fmt.Errorf("%s not answering: %v\n--- last lines of its container log ---\n%s", m.cfg.Name, err, m.LogTail(15))
		}
	}
	m.watch()
	return nil
}

func poll(ctx context.Context, ready func(context.Context) error) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ready(attempt)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// watch polls the container's state until it stops running; then Exited closes.
func (m *Member) watch() {
	ch := make(chan struct{})
	m.mu.Lock()
	m.exitCh, m.exitMsg = ch, nil
	ctr := m.ctr
	m.mu.Unlock()
	go func() {
		defer close(ch)
		for {
			time.Sleep(500 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := ctr.State(ctx)
			cancel()
			if err != nil && strings.Contains(strings.ToLower(err.Error()), "no such container") {
				m.setExit(fmt.Errorf("container of %s is gone", m.cfg.Name))
				return
			}
			if err == nil && !st.Running && !st.Paused && !st.Restarting {
				m.setExit(fmt.Errorf("container of %s exited unexpectedly (exit code %d)\n--- last lines of its log ---\n%s", m.cfg.Name, st.ExitCode, m.LogTail(15)))
				return
			}
		}
	}()
}

func (m *Member) setExit(err error) {
	m.mu.Lock()
	m.exitMsg = err
	m.mu.Unlock()
}

func (m *Member) cur() (testcontainers.Container, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ctr, m.exitCh
}

// Kill sends SIGKILL to the container and waits until it has exited.
func (m *Member) Kill(ctx context.Context) error {
	ctr, exited := m.cur()
	kill := func() error {
		_, err := m.cfg.Client.ContainerKill(ctx, ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"})
		return err
	}
	if err := kill(); err != nil {
		// Some Docker versions refuse to kill a paused container: unpause, then kill.
		if !strings.Contains(err.Error(), "paused") {
			return fmt.Errorf("docker kill %s: %w", m.cfg.Name, err)
		}
		if uerr := m.Resume(ctx); uerr != nil {
			return fmt.Errorf("docker kill %s: %w (and unpause: %v)", m.cfg.Name, err, uerr)
		}
		if err := kill(); err != nil {
			return fmt.Errorf("docker kill %s: %w", m.cfg.Name, err)
		}
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop stops the container gracefully (unpausing it first) and waits until it has exited.
func (m *Member) Stop(ctx context.Context) error {
	ctr, exited := m.cur()
	if st, err := ctr.State(ctx); err == nil && st.Paused {
		_ = m.Resume(ctx)
	}
	grace := m.cfg.Grace
	if err := ctr.Stop(ctx, &grace); err != nil {
		return fmt.Errorf("docker stop %s: %w", m.cfg.Name, err)
	}
	if exited != nil {
		select {
		case <-exited:
		case <-ctx.Done():
		}
	}
	return nil
}

// Pause freezes the container.
func (m *Member) Pause(ctx context.Context) error {
	ctr, _ := m.cur()
	_, err := m.cfg.Client.ContainerPause(ctx, ctr.GetContainerID(), client.ContainerPauseOptions{})
	return err
}

// Resume unfreezes the container.
func (m *Member) Resume(ctx context.Context) error {
	ctr, _ := m.cur()
	_, err := m.cfg.Client.ContainerUnpause(ctx, ctr.GetContainerID(), client.ContainerUnpauseOptions{})
	return err
}

// Exited is closed when the current run of the container ends.
func (m *Member) Exited() <-chan struct{} {
	_, ch := m.cur()
	return ch
}

// ExitErr says why the container exited unasked.
func (m *Member) ExitErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.exitMsg
}

// Container is the node's container (nil before the first start).
func (m *Member) Container() testcontainers.Container {
	ctr, _ := m.cur()
	return ctr
}

// LogTail asks Docker for the last n lines of the container's log.
func (m *Member) LogTail(n int) string {
	ctr, _ := m.cur()
	if ctr == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Ask Docker for the tail itself: a long log read from the start would give its middle.
	rc, err := m.cfg.Client.ContainerLogs(ctx, ctr.GetContainerID(), client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n)})
	if err != nil {
		return ""
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, io.LimitReader(rc, 1<<20)); err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(bytes.ToValidUTF8(out.Bytes(), nil)), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Containers keeps every container an instance made, so Stop removes them all, the
// half-started ones included.
type Containers struct {
	mu   sync.Mutex
	ctrs []testcontainers.Container
}

// Track remembers a container.
func (c *Containers) Track(ctr testcontainers.Container) {
	c.mu.Lock()
	c.ctrs = append(c.ctrs, ctr)
	c.mu.Unlock()
}

// TerminateAll removes every tracked container.
func (c *Containers) TerminateAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, ctr := range c.ctrs {
		if err := testcontainers.TerminateContainer(ctr); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", ctr.GetContainerID(), err))
		}
	}
	c.ctrs = nil
	return errors.Join(errs...)
}
