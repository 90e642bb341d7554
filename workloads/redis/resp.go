package redis

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	engredis "github.com/dbharness/dbharness/engines/redis"
)

// respPipe is one worker's connection to a standalone server for the pipeline workload: it
// writes a pipeline of GETs and SETs into one reused buffer, sends it in one write and reads
// the replies in place, speaking RESP2 as redis-benchmark does.
//
// Note: hand-written because neither client library does this at redis-benchmark's cost.
// Measured on this machine (50 connections, depth 16, GET, the same server, alternating):
// go-redis reached 0.55-0.70 of redis-benchmark (it allocates a Cmd and its arguments per
// command and checks the connection's health before every use), rueidis 0.74-1.0 (each
// pipeline goes through its writer and reader goroutines), this 1.0-1.3. It knows GET, SET,
// AUTH, SELECT and PING and nothing else; clusters, sentinels and TLS keep go-redis, which
// follows redirections and failovers.
type respPipe struct {
	rt   engredis.Target
	conn net.Conn
	r    *bufio.Reader
	out  []byte
	gets [][2]int // per command: where its key is in out, for GETs (a SET has {0, 0})
	n    int      // commands queued
}

// respMiss is the first GET of a pipeline that found no value.
type respMiss struct{ key string }

// replyError is an error reply of the server; it satisfies go-redis's Error interface, so
// Classify names it as it names go-redis's ("READONLY", "server:ERR", ...).
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

// dialResp connects, authenticates, selects the database and checks that the server
// answers a PING.
func dialResp(ctx context.Context, rt engredis.Target) (*respPipe, error) {
	p := &respPipe{rt: rt, out: make([]byte, 0, 4096)}
	if err := p.connect(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *respPipe) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", p.rt.Addrs[0])
	if err != nil {
		return err
	}
	p.conn, p.r = conn, bufio.NewReaderSize(conn, 64<<10)
	var hello [][]string
	if p.rt.Password != "" {
		if p.rt.Username != "" {
			hello = append(hello, []string{"AUTH", p.rt.Username, p.rt.Password})
		} else {
			hello = append(hello, []string{"AUTH", p.rt.Password})
		}
	}
	if p.rt.DB != 0 {
		hello = append(hello, []string{"SELECT", strconv.Itoa(p.rt.DB)})
	}
	hello = append(hello, []string{"PING"})
	var out []byte
	for _, args := range hello {
		out = appendCommand(out, args...)
	}
	if _, err := p.roundTrip(ctx, out, len(hello), nil); err != nil {
		p.close()
		return err
	}
	return nil
}

// appendCommand appends one command as a RESP array of bulk strings.
func appendCommand(out []byte, args ...string) []byte {
	out = append(out, '*')
	out = strconv.AppendInt(out, int64(len(args)), 10)
	out = append(out, '\r', '\n')
	for _, a := range args {
		out = appendBulk(out, a)
	}
	return out
}

func appendBulk[T string | []byte](out []byte, b T) []byte {
	out = append(out, '$')
	out = strconv.AppendInt(out, int64(len(b)), 10)
	out = append(out, '\r', '\n')
	out = append(out, b...)
	return append(out, '\r', '\n')
}

// get queues a GET of key.
func (p *respPipe) get(key []byte) {
	p.out = append(p.out, "*2\r\n$3\r\nGET\r\n"...)
	p.out = append(p.out, '$')
	p.out = strconv.AppendInt(p.out, int64(len(key)), 10)
	p.out = append(p.out, '\r', '\n')
	start := len(p.out)
	p.out = append(p.out, key...)
	p.gets = append(p.gets, [2]int{start, len(p.out)})
	p.out = append(p.out, '\r', '\n')
	p.n++
}

// set queues a SET of key to value.
func (p *respPipe) set(key, value []byte) {
	p.out = append(p.out, "*3\r\n$3\r\nSET\r\n"...)
	p.out = appendBulk(p.out, key)
	p.out = appendBulk(p.out, value)
	p.gets = append(p.gets, [2]int{})
	p.n++
}

// exec sends what is queued and reads every reply. It returns the first GET that found no
// value, if any, and the first error reply (after reading all replies, so the connection
// stays in step). A broken connection is closed and dialed again by the next exec.
func (p *respPipe) exec(ctx context.Context) (*respMiss, error) {
	defer func() { p.out, p.gets, p.n = p.out[:0], p.gets[:0], 0 }()
	if p.conn == nil {
		if err := p.connect(ctx); err != nil {
			p.backoff(ctx)
			return nil, err
		}
	}
	return p.roundTrip(ctx, p.out, p.n, p.gets)
}

// roundTrip writes out (n commands) and reads n replies; gets, when given, locates each
// GET's key in out, for the miss.
func (p *respPipe) roundTrip(ctx context.Context, out []byte, n int, gets [][2]int) (*respMiss, error) {
	deadline := time.Now().Add(ioTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = p.conn.SetDeadline(deadline)
	conn := p.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := p.conn.Write(out); err != nil {
		return nil, p.broken(ctx, err)
	}
	var miss *respMiss
	var reply error
	for i := range n {
		line, err := p.r.ReadSlice('\n')
		if err != nil {
			return nil, p.broken(ctx, err)
		}
		if len(line) < 3 || line[len(line)-2] != '\r' {
			return nil, p.broken(ctx, fmt.Errorf("redis at %s: malformed reply %q", p.rt.Addrs[0], line))
		}
		body := line[1 : len(line)-2]
		switch line[0] {
		case '+', ':':
		case '-':
			if reply == nil {
				reply = replyError(string(body))
			}
		case '$':
			size, err := strconv.Atoi(string(body))
			if err != nil {
				return nil, p.broken(ctx, fmt.Errorf("redis at %s: malformed bulk length %q", p.rt.Addrs[0], body))
			}
			if size < 0 {
				if miss == nil && gets != nil && gets[i][1] > 0 {
					miss = &respMiss{key: string(out[gets[i][0]:gets[i][1]])}
				}
				continue
			}
			if _, err := p.r.Discard(size + 2); err != nil {
				return nil, p.broken(ctx, err)
			}
		default:
			return nil, p.broken(ctx, fmt.Errorf("redis at %s: unexpected reply %q to GET or SET", p.rt.Addrs[0], bytes.TrimSpace(line)))
		}
	}
	return miss, reply
}

// broken closes a connection whose state is unknown after err, and returns the error the
// operation fails with: the context's when it ended the wait.
func (p *respPipe) broken(ctx context.Context, err error) error {
	p.close()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// backoff waits reconnectBackoff after a failed dial, as the go-redis workers' backoffHook
// does, so a worker whose server is down does not fail a million operations a second.
func (p *respPipe) backoff(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	t := time.NewTimer(reconnectBackoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (p *respPipe) close() {
	if p.conn != nil {
		_ = p.conn.Close()
		p.conn, p.r = nil, nil
	}
}
