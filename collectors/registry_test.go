package collectors_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
)

var errRefused = errors.New("connection refused")

func init() {
	collectors.Register("seamtest-broken", func(_ context.Context, dsn string, _ collectors.Config) (collectors.Collector, error) {
		// Drivers quote the DSN in their errors; Open must redact it.
		return nil, errors.New("cannot connect to " + dsn + ": " + errRefused.Error())
	})
}

func TestRegisterPanics(t *testing.T) {
	f := func(context.Context, string, collectors.Config) (collectors.Collector, error) { return nil, nil }
	for name, call := range map[string]func(){
		"empty":     func() { collectors.Register("", f) },
		"nil":       func() { collectors.Register("seamtest-nil", nil) },
		"duplicate": func() { collectors.Register("seamtest-broken", f) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			call()
		})
	}
}

func TestOpenErrorsNameDatabaseAndAddressNotPassword(t *testing.T) {
	_, err := collectors.Open(context.Background(), "seamtest-broken", "postgres://bob:s3cret@db.example:5432/app")
	if err == nil {
		t.Fatal("Open succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error leaks the password: %s", msg)
	}
	for _, want := range []string{"open seamtest-broken collector at db.example:5432", "connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var oe *collectors.OpenError
	if !errors.As(err, &oe) || oe.Database != "seamtest-broken" {
		t.Errorf("error is not an *OpenError: %v", err)
	}
}

func TestOpenUnknownDatabase(t *testing.T) {
	_, err := collectors.Open(context.Background(), "nosuchdb", "x")
	if err == nil || !strings.Contains(err.Error(), `unknown database "nosuchdb"`) || !strings.Contains(err.Error(), "seamtest-broken") {
		t.Errorf("Open(nosuchdb) = %v, want the registered databases listed", err)
	}
	if !slices.IsSorted(collectors.Databases()) || !slices.Contains(collectors.Databases(), "seamtest-broken") {
		t.Errorf("Databases = %v", collectors.Databases())
	}
}
