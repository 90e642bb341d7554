package sqlserver

import (
	"database/sql/driver"
	"errors"
	"strconv"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// The error classes SQL Server workloads add to the load engine's.
const (
	ClassDeadlock         = "deadlock"           // 1205: chosen as the deadlock victim, rolled back
	ClassLockTimeout      = "lock-timeout"       // 1222: LOCK_TIMEOUT expired
	ClassUpdateConflict   = "update-conflict"    // 3960, 3961: snapshot isolation found the row changed since the transaction began
	ClassXTPWriteConflict = "xtp-write-conflict" // 41302: a memory-optimized row another transaction had changed
	ClassXTPValidation    = "xtp-validation"     // 41305, 41325: repeatable read or serializable validation failed at commit
	ClassXTPDependency    = "xtp-dependency"     // 41301, 41839: a transaction this one depended on failed
	ClassDuplicateKey     = "duplicate-key"      // 2627, 2601: a unique key exists
	ClassConstraint       = "constraint"         // 547: a foreign key or check constraint
	ClassMemory           = "memory"             // 701, 8645, 41823: out of memory, a memory grant that timed out, memory-optimized data full
	ClassReadOnly         = "read-only"          // 3906: the database is read-only (a readable secondary)
	ClassUnavailable      = "unavailable"        // 976, 983, 40613, 40197, 40501: the database cannot be reached now (failover, a secondary, throttling)
	ClassConnection       = "connection"         // 233, 10053, 10054: the connection broke
)

// byNumber maps SQL Server error numbers to classes.
var byNumber = map[int32]string{
	1205: ClassDeadlock, 1222: ClassLockTimeout, 3960: ClassUpdateConflict, 3961: ClassUpdateConflict,
	41302: ClassXTPWriteConflict, 41305: ClassXTPValidation, 41325: ClassXTPValidation,
	41301: ClassXTPDependency, 41839: ClassXTPDependency,
	2627: ClassDuplicateKey, 2601: ClassDuplicateKey, 547: ClassConstraint,
	701: ClassMemory, 8645: ClassMemory, 41823: ClassMemory,
	3906: ClassReadOnly,
	976:  ClassUnavailable, 983: ClassUnavailable, 40613: ClassUnavailable, 40197: ClassUnavailable, 40501: ClassUnavailable,
	233: ClassConnection, 10053: ClassConnection, 10054: ClassConnection,
}

// ClassifyError names a SQL Server error by its number: the classes above, any other
// server error "server:<number>" (what people look up), a connection the driver gave up as
// "connection"; other errors go to the load engine's rules (timeout, cancelled, ...).
func ClassifyError(err error) (string, bool) {
	if n := engine.ErrorNumber(err); n != 0 {
		if c, ok := byNumber[n]; ok {
			return c, true
		}
		return "server:" + strconv.Itoa(int(n)), true
	}
	if errors.Is(err, driver.ErrBadConn) {
		return ClassConnection, true
	}
	return "", false
}

// errorClasses is the ErrorClassifier every SQL Server workload embeds.
type errorClasses struct{}

// ClassifyError implements workloads.ErrorClassifier.
func (errorClasses) ClassifyError(err error) (string, bool) { return ClassifyError(err) }
