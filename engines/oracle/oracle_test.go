package oracle

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

func TestThereIsNoNativeOracle(t *testing.T) {
	e := New()
	err := e.Check(context.Background(), engines.ProviderNative)
	if !errors.Is(err, engines.ErrNoProvider) || !strings.Contains(err.Error(), "no operating-system package ships an Oracle server") {
		t.Errorf("Check(native) = %v", err)
	}
	_, err = e.Start(context.Background(), engines.Spec{Provider: engines.ProviderNative})
	if !errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "DBHARNESS_ORACLE_DSN") {
		t.Errorf("Start(native) = %v, want ErrUnavailable saying how to get an Oracle", err)
	}
}

// Where no Docker engine answers, a scenario asking for Oracle skips, saying why.
func TestWithoutDockerOracleIsUnavailable(t *testing.T) {
	ctx := context.Background()
	if docker.Check(ctx) == nil {
		t.Skip("a Docker engine answers here: TestDockerOracle starts a real one instead")
	}
	_, err := New().Start(ctx, engines.Spec{})
	if !errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "Docker") || !strings.Contains(err.Error(), "DBHARNESS_ORACLE_DSN") {
		t.Errorf("Start(auto) = %v, want ErrUnavailable naming Docker", err)
	}
}

// A DSN with provider native (which Oracle lacks) means the server it names.
func TestADSNWithProviderNativeIsExternal(t *testing.T) {
	_, err := New().Start(context.Background(), engines.Spec{Provider: engines.ProviderNative, DSN: "oracle://scott:tiger@db.example.com:1521"})
	if err == nil || errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "no service") {
		t.Errorf("native with a DSN = %v, want the external provider's check of the DSN", err)
	}
}

func TestExternalNeedsAGoodDSN(t *testing.T) {
	ctx := context.Background()
	_, err := New().Start(ctx, engines.Spec{Provider: engines.ProviderExternal})
	if err == nil || errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "DBHARNESS_ORACLE_DSN") {
		t.Errorf("external without a DSN = %v, want a failure saying what to set", err)
	}
	_, err = New().Start(ctx, engines.Spec{DSN: "oracle://scott:tiger@db.example.com:1521"})
	if err == nil || !strings.Contains(err.Error(), "no service") || strings.Contains(err.Error(), "tiger") {
		t.Errorf("a DSN without a service = %v", err)
	}
	_, err = New().Start(ctx, engines.Spec{DSN: "oracle://scott:tiger@db.example.com:1521/ORCL", Settings: map[string]string{"open_cursors": "500"}})
	if err == nil || !strings.Contains(err.Error(), "never changed") {
		t.Errorf("settings on an external server = %v", err)
	}
}

func TestDescribe(t *testing.T) {
	d := New().Describe()
	if d.Display != "Oracle" || d.ExporterPort != 9161 || len(d.Requires) != 0 || len(d.Topologies) != 0 {
		t.Errorf("description %+v", d)
	}
	e, flavor, err := engines.Find("Oracle Free")
	if err != nil || e.Name() != Name || flavor != "" {
		t.Errorf("Find(Oracle Free) = %v, %q, %v", e, flavor, err)
	}
}
