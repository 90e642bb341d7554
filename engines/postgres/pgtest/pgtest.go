// Package pgtest starts a real PostgreSQL for tests that need one.
package pgtest

import (
	"os"
	"testing"
)

// DSN returns the DSN of a PostgreSQL server for the test (placeholder: reads
// DBHARNESS_TEST_PG_DSN until the native engine lands).
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("DBHARNESS_TEST_PG_DSN")
	if dsn == "" {
		t.Fatal("pgtest: DBHARNESS_TEST_PG_DSN is not set")
	}
	return dsn
}
