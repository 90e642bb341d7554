package oracle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/sijms/go-ora/v2/network"
)

// scriptedAdmin answers statements as SYS would: each statement prefix fails with the ORA-
// codes listed, one per call, then succeeds.
type scriptedAdmin struct {
	mu    sync.Mutex
	fails map[string][]int
	ran   []string
}

func (s *scriptedAdmin) exec(q string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ran = append(s.ran, q)
	for prefix, codes := range s.fails {
		if strings.HasPrefix(q, prefix) && len(codes) > 0 {
			s.fails[prefix] = codes[1:]
			return &network.OracleError{ErrCode: codes[0]}
		}
	}
	return nil
}

func (s *scriptedAdmin) Connect(context.Context) (driver.Conn, error) { return adminConn{s}, nil }
func (s *scriptedAdmin) Driver() driver.Driver                        { return nil }

type adminConn struct{ s *scriptedAdmin }

func (c adminConn) Prepare(string) (driver.Stmt, error) { return nil, io.EOF }
func (adminConn) Close() error                          { return nil }
func (adminConn) Begin() (driver.Tx, error)             { return nil, io.EOF }
func (c adminConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(0), c.s.exec(q)
}

// A reset waits out the sessions that are still going away (ORA-01940), and a pluggable
// database that may not flush its pool (ORA-65040) is no failure.
func TestResetRetriesTheDropWhileSessionsEnd(t *testing.T) {
	s := &scriptedAdmin{fails: map[string][]int{"DROP USER": {1940, 1940}, "ALTER SYSTEM FLUSH": {65040}}}
	db := sql.OpenDB(s)
	defer db.Close()
	if err := resetAppUser(context.Background(), db, "Secret1pass"); err != nil {
		t.Fatal(err)
	}
	var drops, kills, creates int
	for _, q := range s.ran {
		switch {
		case strings.HasPrefix(q, "DROP USER "+appUser+" CASCADE"):
			drops++
		case strings.Contains(q, "ALTER SYSTEM KILL SESSION"):
			kills++
		case strings.HasPrefix(q, "CREATE USER "+appUser):
			creates++
		}
	}
	if drops != 3 || kills != 3 || creates != 1 {
		t.Errorf("drops %d, session kills %d, creates %d; want 3, 3, 1:\n%s", drops, kills, creates, strings.Join(s.ran, "\n"))
	}
	if last := s.ran[len(s.ran)-1]; last != "ALTER SYSTEM FLUSH SHARED_POOL" {
		t.Errorf("the reset ends with %q", last)
	}
}

func TestResetFailsOnWhatIsNotAboutSessions(t *testing.T) {
	s := &scriptedAdmin{fails: map[string][]int{"DROP USER": {1031}}}
	db := sql.OpenDB(s)
	defer db.Close()
	err := resetAppUser(context.Background(), db, "Secret1pass")
	if err == nil || Code(err) != 1031 || !strings.Contains(err.Error(), "drop the application user") {
		t.Errorf("reset = %v", err)
	}
	// A failed CREATE USER names the statement without the password.
	s = &scriptedAdmin{fails: map[string][]int{"CREATE USER": {1920}}}
	db2 := sql.OpenDB(s)
	defer db2.Close()
	err = createAppUser(context.Background(), db2, "Secret1pass")
	if err == nil || strings.Contains(err.Error(), "Secret1pass") || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("create = %v", err)
	}
}

func TestGeneratedPasswordsAreQuotable(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := newPassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 20 || !(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z') || strings.ContainsAny(p, `"'; `) || seen[p] {
			t.Errorf("password %q", p)
		}
		seen[p] = true
	}
}
