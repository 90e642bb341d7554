package cassandra

import (
	"errors"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The error classes Classify gives. They are stable: scenarios and reports name them.
const (
	ClassUnavailable   = "unavailable"    // the coordinator knew too few replicas alive for the consistency level
	ClassReadTimeout   = "read_timeout"   // too few replicas answered a read in time
	ClassWriteTimeout  = "write_timeout"  // too few replicas acknowledged a write in time
	ClassLWTTimeout    = "lwt_timeout"    // a lightweight transaction's Paxos round timed out (contention)
	ClassLWTUnknown    = "lwt_unknown"    // a lightweight transaction's outcome is unknown
	ClassLWTContention = "lwt_contention" // a conditional write was not applied: another client changed the row first
	ClassOverloaded    = "overloaded"     // the coordinator refused the request (overloaded)
	ClassWriteFailure  = "write_failure"  // a replica failed the write (not a timeout)
	ClassReadFailure   = "read_failure"   // a replica failed the read (tombstone overwhelm, ...)
	ClassBootstrapping = "bootstrapping"  // the coordinator is still joining the ring
	ClassNoHosts       = "no_hosts"       // the driver had no live connection to any node
	ClassTimeout       = "timeout"        // no answer within the driver's timeout
	ClassMiss          = "miss"           // a row the dataset loaded is not there
)

// errMiss marks a read that found no row where the dataset loaded one.
var errMiss = errors.New("row not found")

// errNotApplied marks a conditional write the database did not apply.
var errNotApplied = errors.New("not applied")

// Classify names the class of an error from a CQL operation: the classes above,
// "server:0x<code>" for other error codes, and ok=false for what the load engine's generic
// rules name (cancellation, network errors).
func Classify(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	var (
		un  *gocql.RequestErrUnavailable
		rt  *gocql.RequestErrReadTimeout
		wt  *gocql.RequestErrWriteTimeout
		ov  *gocql.RequestErrOverloaded
		wf  *gocql.RequestErrWriteFailure
		rf  *gocql.RequestErrReadFailure
		cas *gocql.RequestErrCASWriteUnknown
		bs  *gocql.RequestErrBootstrapping
		re  gocql.RequestError
	)
	switch {
	case errors.As(err, &un):
		return ClassUnavailable, true
	case errors.As(err, &rt):
		return ClassReadTimeout, true
	case errors.As(err, &wt):
		if strings.EqualFold(wt.WriteType, "CAS") {
			return ClassLWTTimeout, true
		}
		return ClassWriteTimeout, true
	case errors.As(err, &cas):
		return ClassLWTUnknown, true
	case errors.As(err, &ov):
		return ClassOverloaded, true
	case errors.As(err, &wf):
		return ClassWriteFailure, true
	case errors.As(err, &rf):
		return ClassReadFailure, true
	case errors.As(err, &bs):
		return ClassBootstrapping, true
	case errors.Is(err, errNotApplied):
		return ClassLWTContention, true
	case errors.Is(err, errMiss):
		return ClassMiss, true
	case errors.Is(err, gocql.ErrNoConnections), errors.Is(err, gocql.ErrConnectionClosed):
		return ClassNoHosts, true
	case errors.Is(err, gocql.ErrTimeoutNoResponse):
		return ClassTimeout, true
	case errors.As(err, &re):
		return fmt.Sprintf("server:0x%04x", re.Code()), true
	}
	return "", false
}

// errorClasses gives a workload the ErrorClassifier capability.
type errorClasses struct{}

// ClassifyError implements workloads.ErrorClassifier.
func (errorClasses) ClassifyError(err error) (string, bool) { return Classify(err) }
