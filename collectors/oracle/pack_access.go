package oracle

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// RequiresDiagnosticsPack is the prerequisite the catalog names for what reads AWR or ASH.
const RequiresDiagnosticsPack = "the Diagnostics Pack: control_management_pack_access includes DIAGNOSTIC " +
	"(a licence on Enterprise Edition; part of Oracle Free, whose images set DIAGNOSTIC+TUNING)"

const packAccessQuery = `SELECT value FROM v$parameter WHERE name = 'control_management_pack_access'`

// packAccess says whether the Diagnostics Pack (AWR, ASH) may be used: the settings allow
// it, and the server's CONTROL_MANAGEMENT_PACK_ACCESS includes DIAGNOSTIC. The parameter is
// read again after a minute, so a DBA who turns the pack off is heard within a minute.
type packAccess struct {
	allowed bool // by the collector's settings

	mu     sync.Mutex
	value  string
	readAt time.Time
}

func newPackAccess(allowed bool) *packAccess { return &packAccess{allowed: allowed} }

// Diagnostics returns nil when AWR and ASH may be used, else the reason they may not.
func (p *packAccess) Diagnostics(ctx context.Context, q answer.Querier) error {
	if !p.allowed {
		return fmt.Errorf("the collector's setting %s=off forbids AWR and ASH", SettingDiagnosticsPack)
	}
	p.mu.Lock()
	value, fresh := p.value, time.Since(p.readAt) < time.Minute
	p.mu.Unlock()
	if !fresh {
		rows, err := answer.Query(ctx, q, packAccessQuery)
		if err != nil {
			return fmt.Errorf("read control_management_pack_access: %w", err)
		}
		value = ""
		if len(rows) > 0 {
			value = rows[0].Trimmed("VALUE")
		}
		p.mu.Lock()
		p.value, p.readAt = value, time.Now()
		p.mu.Unlock()
	}
	return DiagnosticsAllowed(value)
}

// DiagnosticsAllowed reads CONTROL_MANAGEMENT_PACK_ACCESS: nil for DIAGNOSTIC or
// DIAGNOSTIC+TUNING, else why AWR and ASH are not used.
func DiagnosticsAllowed(value string) error {
	v := strings.ToUpper(strings.TrimSpace(value))
	if v == "DIAGNOSTIC" || v == "DIAGNOSTIC+TUNING" {
		return nil
	}
	if v == "" {
		v = "not readable"
	}
	return fmt.Errorf("control_management_pack_access is %s on this server, so the Diagnostics Pack (AWR, ASH) is off and the harness does not read it: "+
		"set it to DIAGNOSTIC only where you hold a Diagnostics Pack licence (Enterprise Edition) or run Oracle Free, which includes it", v)
}
