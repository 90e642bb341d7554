package oracle

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// appUser is the application user of a container: the scenario's schema, and who its
// workloads, statements and collectors connect as.
const appUser = "DBHARNESS"

// appGrants are what the collectors and the analysis need beyond a developer's rights:
// the dynamic performance and dictionary views, the Segment Advisor, AWR snapshots.
var appGrants = []string{
	"GRANT CREATE SESSION, DB_DEVELOPER_ROLE TO " + appUser,
	"GRANT SELECT_CATALOG_ROLE TO " + appUser,
	"GRANT ADVISOR TO " + appUser,
	"GRANT EXECUTE ON SYS.DBMS_WORKLOAD_REPOSITORY TO " + appUser,
}

// createUserStatements create the application user with its password (quoted: it is
// generated, letters and digits only) and grants.
func createUserStatements(password string) []string {
	return append([]string{
		fmt.Sprintf(`CREATE USER %s IDENTIFIED BY "%s" DEFAULT TABLESPACE USERS QUOTA UNLIMITED ON USERS`, appUser, password),
	}, appGrants...)
}

// killSessionsBlock ends every session of the application user, so it can be dropped.
const killSessionsBlock = `BEGIN
  FOR s IN (SELECT sid, serial# AS serial FROM v$session WHERE username = '` + appUser + `') LOOP
    BEGIN
      EXECUTE IMMEDIATE 'ALTER SYSTEM KILL SESSION ''' || s.sid || ',' || s.serial || ''' IMMEDIATE';
    EXCEPTION WHEN OTHERS THEN
      IF SQLCODE != -30 AND SQLCODE != -31 THEN RAISE; END IF; -- gone already, or marked for kill
    END;
  END LOOP;
END;`

// createAppUser creates the application user on a fresh database, as SYS.
func createAppUser(ctx context.Context, admin *sql.DB, password string) error {
	for _, st := range createUserStatements(password) {
		if _, err := admin.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("create the application user %s: %s: %w", appUser, redactPassword(st, password), err)
		}
	}
	return nil
}

// resetAppUser drops the application user with everything it owns and creates it again,
// and empties the shared pool, so a reused container starts the next scenario as a fresh one
// would: no tables, no cursors or plans of the last scenario's statements.
func resetAppUser(ctx context.Context, admin *sql.DB, password string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := admin.ExecContext(ctx, killSessionsBlock); err != nil {
			return fmt.Errorf("end the sessions of %s: %w", appUser, err)
		}
		_, err := admin.ExecContext(ctx, "DROP USER "+appUser+" CASCADE")
		if err == nil || Code(err) == 1918 { // ORA-01918: user does not exist
			break
		}
		// Note: ORA-01940 (cannot drop a user that is currently connected) while killed
		// sessions are cleaned up; try again until they are gone.
		if Code(err) != 1940 || time.Now().After(deadline) {
			return fmt.Errorf("drop the application user %s: %w", appUser, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("drop the application user %s: %w", appUser, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err := createAppUser(ctx, admin, password); err != nil {
		return err
	}
	// Note: ORA-65040 means this release does not let a pluggable database flush its share
	// of the pool; the old cursors then stay, which the analysis tolerates (it counts from
	// the load's start), so the container is still fit for reuse.
	if _, err := admin.ExecContext(ctx, "ALTER SYSTEM FLUSH SHARED_POOL"); err != nil && Code(err) != 65040 {
		return fmt.Errorf("flush the shared pool: %w", err)
	}
	return nil
}

func redactPassword(statement, password string) string {
	return strings.ReplaceAll(statement, password, "xxxxx")
}

// newPassword makes a password Oracle takes in double quotes and the image's scripts too:
// a letter, then letters and digits.
func newPassword() (string, error) {
	const letters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
	const alnum = letters + "23456789"
	b := make([]byte, 20)
	for i := range b {
		set := alnum
		if i == 0 {
			set = letters
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return "", fmt.Errorf("generate a password: %w", err)
		}
		b[i] = set[n.Int64()]
	}
	return string(b), nil
}
