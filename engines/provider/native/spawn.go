package native

import (
	"os/exec"
	"runtime"
	"sync"
)

// Children are forked from one thread that never ends.
//
// Note: Pdeathsig is tied to the thread that forked the child, not to the process: when that
// thread exits, the kernel sends the child its death signal (golang/go#27505). Go ends a
// thread when a goroutine locked to it returns without unlocking, which code elsewhere in
// the harness does on purpose (the open-loop scheduler's nanosleep thread, for one). A server
// forked from such a thread would be SIGKILLed in the middle of a run; so every child is
// started from a goroutine locked to its thread for the life of the harness.
var spawner struct {
	once sync.Once
	jobs chan func()
}

// StartCmd starts cmd from the spawner's thread: what any child with Pdeathsig must use
// (a PostgreSQL tool, a browser in a test), else it may be killed when the thread that
// happened to fork it ends.
func StartCmd(cmd *exec.Cmd) error { return spawn(cmd) }

// spawn runs cmd.Start on the spawner's thread.
func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.jobs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked, and the goroutine never returns
			for job := range spawner.jobs {
				job()
			}
		}()
	})
	errc := make(chan error, 1)
	spawner.jobs <- func() { errc <- cmd.Start() }
	return <-errc
}
