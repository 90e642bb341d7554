package load

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// The error classes. A server error is "server:" followed by the server's code (for SQL
// databases the SQLSTATE, e.g. "server:40001"); workloads can add their own classes with
// workloads.ErrorClassifier.
const (
	ClassTimeout    = "timeout"
	ClassConnection = "connection"
	ClassCancelled  = "cancelled"
	ClassPanic      = "panic"
	ClassOther      = "other"
	ServerPrefix    = "server:"
)

// sqlStater is what pgx's *pgconn.PgError (and other SQL drivers' errors) offer.
type sqlStater interface{ SQLState() string }

type timeouter interface{ Timeout() bool }

// Classify names the class of an operation's error, as the engine records it. runCtx is the
// run's context and opCtx the operation's (either may be nil): an error after the run was
// stopped is "cancelled", one after the operation's own deadline is "timeout", whatever the
// driver made of it.
func Classify(err error, runCtx, opCtx context.Context) string {
	if err == nil {
		return ""
	}
	if runCtx != nil && runCtx.Err() != nil {
		return ClassCancelled
	}
	if opCtx != nil && errors.Is(context.Cause(opCtx), context.DeadlineExceeded) {
		return ClassTimeout
	}
	var pe *panicError
	if errors.As(err, &pe) {
		return ClassPanic
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ClassTimeout
	}
	if errors.Is(err, context.Canceled) {
		return ClassCancelled
	}
	var ss sqlStater
	if errors.As(err, &ss) {
		if code := ss.SQLState(); code != "" {
			return ServerPrefix + code
		}
	}
	if isConnectionError(err) {
		return ClassConnection
	}
	var to timeouter
	if errors.As(err, &to) && to.Timeout() {
		return ClassTimeout
	}
	return ClassOther
}

func isConnectionError(err error) bool {
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.ECONNREFUSED,
		syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, syscall.ENOTCONN, syscall.EHOSTUNREACH,
		syscall.ENETUNREACH} {
		if errors.Is(err, target) {
			return true
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) && !oe.Timeout() {
		return true
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return true
	}
	// Note: drivers often flatten the cause into text (pgx: "conn closed", "failed to
	// connect to ..."), so the message is the last resort.
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection refused", "connection reset", "broken pipe", "conn closed",
		"closed network connection", "failed to connect", "unexpected eof", "connection closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return strings.HasSuffix(msg, "eof")
}
