package oracle

import (
	"context"
	"fmt"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// startExternal uses a server somebody else runs: nothing is created, changed or dropped
// but what the scenario's own statements do, and Stop leaves the server running.
func startExternal(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if spec.DSN == "" {
		return nil, errNoDSN
	}
	d, err := ParseDSN(spec.DSN)
	if err != nil {
		return nil, err
	}
	addr := d.Address()
	if len(spec.Settings) > 0 {
		return nil, fmt.Errorf("oracle at %s: server settings are set only on the containers the harness starts; an external server is never changed: set them yourself, or leave them out of the scenario", addr)
	}
	db := openDB(spec.DSN)
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		return nil, fmt.Errorf("oracle at %s: cannot connect: %w%s", addr, engines.Redact(err), connectHint(err))
	}
	srv, err := readServer(ctx, db, addr, nil)
	if err != nil {
		return nil, err
	}
	h := &engines.Handle{Meta: srv.info(engines.ProviderExternal, addr), ConnString: spec.DSN}
	if err := seed(ctx, spec.DSN, addr, spec.Seed); err != nil {
		return h, err
	}
	return h, nil
}

// connectHint says what a failed login usually means.
func connectHint(err error) string {
	switch Code(err) {
	case 1017:
		return " (wrong user or password)"
	case 12514:
		return " (the listener knows no such service: list them with `lsnrctl services`; Oracle Free's pluggable database is FREEPDB1)"
	case 12541:
		return " (no listener at that address)"
	case 28000:
		return " (the account is locked)"
	}
	return ""
}
