package oracle

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sijms/go-ora/v2/network"
)

func TestCodeReadsTheDriversErrorAndMessages(t *testing.T) {
	driver := &network.OracleError{ErrCode: 60, ErrMsg: "ORA-00060: deadlock detected while waiting for resource\n"}
	for err, want := range map[error]int{
		driver:                             60,
		fmt.Errorf("transfer: %w", driver): 60,
		errors.New("ORA-20001: insufficient funds\nORA-06512: at \"DBHARNESS.BANK\", line 12\nORA-06512: at line 1"): 20001,
		errors.New("dial tcp 10.0.0.1:1521: connect: connection refused"):                                            0,
		errors.New("ORA-1 is not a code"): 0,
		nil:                               0,
	} {
		if got := Code(err); got != want {
			t.Errorf("Code(%v) = %d, want %d", err, got, want)
		}
	}
	if CodeName(60) != "ORA-00060" || CodeName(12954) != "ORA-12954" {
		t.Errorf("CodeName: %s, %s", CodeName(60), CodeName(12954))
	}
}

func TestClassifyByORACode(t *testing.T) {
	for code, want := range map[int]string{
		60: ClassDeadlock, 8177: ClassSerialization, 1: ClassDuplicateKey, 54: ClassLockTimeout,
		1555: ClassSnapshotOld, 12954: ClassNoSpace, 1653: ClassNoSpace, 4068: ClassPackageState,
		3113: ClassConnection, 12514: ClassConnection, 28: ClassConnection,
		20001: "server:ORA-20001", 942: "server:ORA-00942",
	} {
		got, ok := Classify(&network.OracleError{ErrCode: code})
		if !ok || got != want {
			t.Errorf("Classify(ORA-%05d) = %q, %v; want %q", code, got, ok, want)
		}
	}
	// A cancelled call and an error without a code are left to the load engine's rules.
	for _, err := range []error{&network.OracleError{ErrCode: 1013}, errors.New("connection reset by peer"), nil} {
		if c, ok := Classify(err); ok {
			t.Errorf("Classify(%v) = %q, want it left to the load engine", err, c)
		}
	}
}
