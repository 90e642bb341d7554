package engines

import (
	"context"
	"sync"
)

// Handle is a ready-made Instance for engine packages: fill in the fields and return it.
type Handle struct {
	Meta       Info
	ConnString string
	// Stopper stops everything the instance started. Called once.
	Stopper func(ctx context.Context) error
	// Exited is closed when the server exits on its own; nil if the engine cannot tell.
	Exited <-chan struct{}
	// ExitErr says why the server exited unasked; nil if it cannot tell.
	ExitErr func() error
	// Killer kills the server abruptly; nil if the provider cannot.
	Killer func() error
	// PIDs lists the pids of the server's main processes; nil when they are not the
	// harness's to see (a container, an external server).
	PIDs func() []int

	once    sync.Once
	stopErr error
	stopped chan struct{}
	init    sync.Once
	done    chan struct{}
}

var _ Instance = (*Handle)(nil)

func (h *Handle) setup() {
	h.init.Do(func() {
		h.stopped = make(chan struct{})
		h.done = make(chan struct{})
		go func() {
			select {
			case <-h.stopped:
			case <-h.Exited: // a nil channel never fires
			}
			close(h.done)
		}()
	})
}

// Info describes the instance.
func (h *Handle) Info() Info { return h.Meta }

// DSN is the connection string, with credentials.
func (h *Handle) DSN() string { return h.ConnString }

// Done is closed when the instance stopped or its server exited.
func (h *Handle) Done() <-chan struct{} { h.setup(); return h.done }

// Err says why the server exited unasked.
func (h *Handle) Err() error {
	if h.ExitErr == nil {
		return nil
	}
	return h.ExitErr()
}

// Stop stops the instance once; later calls return the first result.
func (h *Handle) Stop(ctx context.Context) error {
	h.setup()
	h.once.Do(func() {
		if h.Stopper != nil {
			h.stopErr = h.Stopper(ctx)
		}
		close(h.stopped)
	})
	return h.stopErr
}

// ServerPIDs lists the pids of the server's main processes (none when PIDs is nil).
func (h *Handle) ServerPIDs() []int {
	if h.PIDs == nil {
		return nil
	}
	return h.PIDs()
}

// Kill kills the server abruptly, as a crash would.
func (h *Handle) Kill() error {
	if h.Killer == nil {
		return ErrUnsupported
	}
	return h.Killer()
}
