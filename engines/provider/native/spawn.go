package native

import (
	"os/exec"
	"runtime"
	"sync"
)

// Every child is forked from one OS thread that lives as long as the harness.
//
// Note: the kernel sends a child its Pdeathsig when the *thread* that forked it exits, not
// the process. Go ends a thread when a goroutine locked to it returns without unlocking (the
// load's open-loop waiter does so on purpose, workloads/load/wait_linux.go), and any thread
// may have forked a server earlier: that server got SIGKILL in the middle of a run (seen as
// a Prometheus under a dashboards test dying "signal: killed" as a quickstart load ended).
// Forking only from a thread locked for good keeps Pdeathsig meaning "the harness died".
var (
	spawnOnce sync.Once
	spawnJobs = make(chan spawnJob)
)

type spawnJob struct {
	cmd  *exec.Cmd
	done chan error
}

// startCmd is cmd.Start on the spawning thread.
func startCmd(cmd *exec.Cmd) error {
	spawnOnce.Do(func() { go spawnLoop() })
	job := spawnJob{cmd: cmd, done: make(chan error, 1)}
	spawnJobs <- job
	return <-job.done
}

func spawnLoop() {
	runtime.LockOSThread() // never unlocked, and the loop never returns: the thread stays
	for job := range spawnJobs {
		job.done <- job.cmd.Start()
	}
}
