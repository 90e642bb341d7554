package native

import (
	"fmt"
	"net"
	"strconv"
)

// FreePort returns preferred if nothing listens on 127.0.0.1:preferred, else a port the
// kernel picks. A preferred port of 0 means any free port. max bounds the port (some servers,
// Redis cluster for one, need port+10000 to be valid too); 0 means no bound.
//
// Note: the port is free when we look; a server racing us for it fails to bind, and engines
// retry Start with a new port when their log says the address is in use.
func FreePort(preferred, max int) (int, error) {
	if preferred > 0 && (max == 0 || preferred <= max) {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(preferred))); err == nil {
			l.Close()
			return preferred, nil
		}
	}
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free loopback port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if max == 0 || port <= max {
			return port, nil
		}
	}
	return 0, fmt.Errorf("find a free loopback port at or below %d: none found in 50 tries", max)
}
