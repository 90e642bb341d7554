package mongodb

import (
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// The error classes Classify gives beyond the load engine's own. They are stable: scenarios
// and reports name them.
const (
	ClassNotPrimary   = "notprimary"   // the write reached a member that is not (or no longer) the primary
	ClassNoPrimary    = "noprimary"    // no primary could be selected in time (an election is on)
	ClassDuplicate    = "duplicate"    // E11000: a unique index refused the document
	ClassWriteConcern = "writeconcern" // the write happened on the primary but not on enough members in time
	ClassConflict     = "conflict"     // a transaction's write conflict (WriteConflict, TransientTransactionError)
	ClassMissing      = "missing"      // a document the dataset loaded is not found
)

// notPrimaryCodes are MongoDB's codes for "this member cannot take the write now".
var notPrimaryCodes = map[int32]bool{
	10107: true, // NotWritablePrimary
	13435: true, // NotPrimaryNoSecondaryOk
	11602: true, // InterruptedDueToReplStateChange
	189:   true, // PrimarySteppedDown
	91:    true, // ShutdownInProgress
	11600: true, // InterruptedAtShutdown
}

var errMissing = errors.New("document not found")

// Classify names the class of an error from a MongoDB operation: the classes above,
// "server:<code>" for other server errors, and ok=false for what the load engine's generic
// rules name better (network errors, deadlines, cancellation).
func Classify(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	switch {
	case errors.Is(err, errMissing), errors.Is(err, mongo.ErrNoDocuments):
		return ClassMissing, true
	case mongo.IsDuplicateKeyError(err):
		return ClassDuplicate, true
	case errors.As(err, new(topology.ServerSelectionError)):
		return ClassNoPrimary, true
	case mongo.IsNetworkError(err):
		// Note: the driver's connection errors do not always wrap the net error the
		// load engine's rules look for.
		return "connection", true
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		if se.HasErrorLabel("TransientTransactionError") || se.HasErrorCode(112) {
			return ClassConflict, true
		}
		for code := range notPrimaryCodes {
			if se.HasErrorCode(int(code)) {
				return ClassNotPrimary, true
			}
		}
	}
	var we mongo.WriteException
	if errors.As(err, &we) && we.WriteConcernError != nil && len(we.WriteErrors) == 0 {
		return ClassWriteConcern, true
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Code != 0 {
		if ce.Name != "" {
			return "server:" + ce.Name, true
		}
		return "server:" + strconv.Itoa(int(ce.Code)), true
	}
	if errors.As(err, &we) && len(we.WriteErrors) > 0 {
		return "server:" + strconv.Itoa(we.WriteErrors[0].Code), true
	}
	return "", false
}

// errorClasses gives a workload the ErrorClassifier capability.
type errorClasses struct{}

func (errorClasses) ClassifyError(err error) (string, bool) { return Classify(err) }
