package mysql

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	gomysql "github.com/go-sql-driver/mysql"
)

// The error classes MySQL workloads add to the load engine's.
const (
	ClassDeadlock    = "deadlock"          // ER_LOCK_DEADLOCK 1213: the transaction was rolled back
	ClassLockTimeout = "lock-wait-timeout" // ER_LOCK_WAIT_TIMEOUT 1205
	ClassReadOnly    = "read-only"         // 1290 / 1836: the node is not the primary (any more)
)

// classifyError names MySQL's errors: deadlocks, lock wait timeouts and writes to a
// read-only node by name, any other server error as "server:<error number>" (MySQL's
// SQLSTATE is HY000 for most of them, the number is what people look up), and the driver's
// broken connections as "connection".
func classifyError(err error) (string, bool) {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1213:
			return ClassDeadlock, true
		case 1205:
			return ClassLockTimeout, true
		case 1290, 1836:
			return ClassReadOnly, true
		case 1053, 1927, 2006, 2013:
			return "connection", true
		}
		return "server:" + strconv.Itoa(int(me.Number)), true
	}
	if errors.Is(err, gomysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) || isConnection(err) {
		return "connection", true
	}
	return "", false
}

// errorClasses is the ErrorClassifier every MySQL workload embeds.
type errorClasses struct{}

// ClassifyError implements workloads.ErrorClassifier.
func (errorClasses) ClassifyError(err error) (string, bool) { return classifyError(err) }

// isConnection says whether err is a network failure (refused, reset, closed).
func isConnection(err error) bool {
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, target) {
			return true
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "no node takes writes")
}
