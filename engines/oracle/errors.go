package oracle

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/sijms/go-ora/v2/network"
)

// oraCode finds an ORA-nnnnn code in a message; the first one is the error, later ones
// (ORA-06512: at line 3) say where it was raised.
var oraCode = regexp.MustCompile(`\bORA-(\d{5})\b`)

// Code returns the ORA- number of an error from the server (60 for ORA-00060), or 0 when
// err carries none. It reads go-ora's *network.OracleError, and the message of errors that
// only quote one.
func Code(err error) int {
	if err == nil {
		return 0
	}
	var oe *network.OracleError
	if errors.As(err, &oe) && oe.ErrCode != 0 {
		return oe.ErrCode
	}
	if m := oraCode.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// CodeName writes a code as Oracle does: ORA-00060.
func CodeName(code int) string { return fmt.Sprintf("ORA-%05d", code) }

// The error classes Classify names, besides "server:ORA-nnnnn" for the other codes. They
// are stable: thresholds and reports name them.
const (
	ClassDeadlock      = "deadlock"         // ORA-00060: the server broke a deadlock by failing this statement
	ClassSerialization = "serialization"    // ORA-08177: a SERIALIZABLE transaction met a newer change
	ClassDuplicateKey  = "duplicate-key"    // ORA-00001: a unique constraint refused the row
	ClassLockTimeout   = "lock-timeout"     // ORA-00054, ORA-30006: a row or table lock was not granted in time
	ClassSnapshotOld   = "snapshot-too-old" // ORA-01555: undo needed for a consistent read was overwritten
	ClassNoSpace       = "no-space"         // ORA-01653 and friends, ORA-01536 quota, ORA-12954 Free's 12 GB
	ClassPackageState  = "package-state"    // ORA-04068, ORA-04061: a package was recompiled under its callers
	ClassConnection    = "connection"       // the session or the instance went away
)

// classes maps codes to classes.
var classes = map[int]string{
	60:    ClassDeadlock,
	8177:  ClassSerialization,
	1:     ClassDuplicateKey,
	54:    ClassLockTimeout,
	30006: ClassLockTimeout,
	1555:  ClassSnapshotOld,
	1653:  ClassNoSpace, // unable to extend table
	1654:  ClassNoSpace, // unable to extend index
	1688:  ClassNoSpace, // unable to extend table partition
	1536:  ClassNoSpace, // space quota exceeded
	30036: ClassNoSpace, // unable to extend undo segment
	12954: ClassNoSpace, // Oracle Free: the database would exceed 12 GB of user data
	4068:  ClassPackageState,
	4061:  ClassPackageState,
	4065:  ClassPackageState,
	// The session, the instance or the listener is gone or not there yet.
	28:    ClassConnection, // your session has been killed
	1012:  ClassConnection, // not logged on
	1033:  ClassConnection, // initialization or shutdown in progress
	1034:  ClassConnection, // ORACLE not available
	1089:  ClassConnection, // immediate shutdown in progress
	3113:  ClassConnection, // end-of-file on communication channel
	3114:  ClassConnection, // not connected to ORACLE
	3135:  ClassConnection, // connection lost contact
	12514: ClassConnection, // listener does not know of the service
	12516: ClassConnection, // listener could not find an available handler
	12518: ClassConnection, // listener could not hand off the connection
	12528: ClassConnection, // all instances are blocking new connections
	12537: ClassConnection, // TNS: connection closed
	12541: ClassConnection, // no listener
}

// Classify names the class of an operation's error by its ORA- code: the classes above,
// "server:ORA-nnnnn" for other codes, and ok=false for errors without one and for ORA-01013
// (a cancelled call), which the load engine names from the context (timeout, cancelled).
func Classify(err error) (class string, ok bool) {
	code := Code(err)
	switch code {
	case 0, 1013:
		return "", false
	}
	if c, ok := classes[code]; ok {
		return c, true
	}
	return "server:" + CodeName(code), true
}
