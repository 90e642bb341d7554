package machine

import (
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// spin burns this process's CPU for d.
func spin(d time.Duration) {
	end := time.Now().Add(d)
	for x := 0; time.Now().Before(end); x++ {
		_ = x * x
	}
}

// The harness's own CPU is the client's, a watched server's process tree is the server's, and a
// busy process of neither is a neighbour's.
func TestUsageTellsClientServerAndNeighboursApart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	// The server's work is done by a child of its main process, as a PostgreSQL backend is.
	server := exec.Command("sh", "-c", "sh -c 'while :; do :; done' & wait")
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-server.Process.Pid, syscall.SIGKILL); server.Wait() }()
	hog := exec.Command("sh", "-c", "while :; do :; done")
	hog.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := hog.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { hog.Process.Kill(); hog.Wait() }()

	a := Take([]int{server.Process.Pid})
	spin(1500 * time.Millisecond)
	u := Between(a, Take([]int{server.Process.Pid}))
	if !u.ServersSeen || u.ServerCPU <= 0 {
		t.Errorf("server CPU = %g (seen %v), want the busy server's", u.ServerCPU, u.ServersSeen)
	}
	if u.ClientCPU <= 0 {
		t.Errorf("client CPU = %g, want this test's spinning", u.ClientCPU)
	}
	if u.OtherCPU <= 0 || u.Neighbours() <= 0 {
		t.Errorf("other CPU = %g, want the hog's", u.OtherCPU)
	}
	// The three add up to no more than the machine has.
	if sum := u.ClientCPU + u.ServerCPU + u.OtherCPU; sum > u.Seconds*float64(u.CPUs)*1.05 {
		t.Errorf("client %g + server %g + other %g > %g CPU seconds in %gs", u.ClientCPU, u.ServerCPU, u.OtherCPU, u.Seconds*float64(u.CPUs), u.Seconds)
	}
	if u.CPUPressure < 0 || u.CPUPressure > 1 || u.Steal < 0 || u.Steal > 1 {
		t.Errorf("pressure %g, steal %g out of [0, 1]", u.CPUPressure, u.Steal)
	}
}

func TestStatFieldsReadsACommandWithSpaces(t *testing.T) {
	comm, f, ok := statFields([]byte("123 (my (odd) prog) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 99 0 0"))
	if !ok || comm != "my (odd) prog" || f[0] != "S" || f[2] != "123" || f[11] != "250" || f[12] != "50" || f[13] != "7" {
		t.Errorf("statFields = %q %v %v", comm, f, ok)
	}
}

// TestListeningPIDsFindsTheListener: a socket this test listens on is found as this
// process; a port nobody listens on, and another host, give none.
func TestListeningPIDsFindsTheListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if got := ListeningPIDs(addr); !slices.Equal(got, []int{os.Getpid()}) {
		t.Errorf("ListeningPIDs(%s) = %v, want this test's pid %d", addr, got, os.Getpid())
	}
	_, port, _ := net.SplitHostPort(addr)
	if got := ListeningPIDs("localhost:" + port); !slices.Equal(got, []int{os.Getpid()}) {
		t.Errorf("by the name localhost: %v", got)
	}
	if got := ListeningPIDs("db.example.com:" + port); got != nil {
		t.Errorf("another host: %v, want none", got)
	}
	l.Close()
	if got := ListeningPIDs(addr); got != nil {
		t.Errorf("after the listener closed: %v, want none", got)
	}
	if got := ListeningPIDs("not an address"); got != nil {
		t.Errorf("bad address: %v", got)
	}
}
