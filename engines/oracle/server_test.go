package oracle

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

func recorded(t *testing.T, name string) []answer.Row {
	t.Helper()
	rows, err := answer.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestServerOfTheFreeContainer(t *testing.T) {
	var s Server
	var err error
	s.Instances, s.Version, err = ParseInstances(recorded(t, "gv_instance_free.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.Edition = ParseEdition(recorded(t, "v_version_free.json"))
	s.Settings = ParseSettings(recorded(t, "v_parameter_free.json"))
	if s.Version != "23.5.0.24.07" || s.Edition != "Free" || len(s.Instances) != 1 || s.Instances[0].Name != "FREE" {
		t.Errorf("server %+v", s)
	}
	if s.Topology() != engines.Standalone {
		t.Errorf("topology %q", s.Topology())
	}
	info := s.info(engines.ProviderDocker, "localhost:32771/FREEPDB1")
	if info.Settings["control_management_pack_access"] != "DIAGNOSTIC+TUNING" || info.Settings["edition"] != "Free" || info.Settings["cpu_count"] != "2" {
		t.Errorf("settings %v", info.Settings)
	}
}

func TestServerOfARACDatabase(t *testing.T) {
	ins, version, err := ParseInstances(recorded(t, "gv_instance_rac.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := Server{Instances: ins, Version: version, Edition: ParseEdition(recorded(t, "v_version_ee19.json"))}
	if len(ins) != 2 || ins[0].ID != 1 || ins[0].Name != "orcl1" || ins[1].Host != "racnode2.example.com" {
		t.Errorf("instances %+v", ins)
	}
	if s.Edition != "Enterprise Edition" || s.Version != "19.22.0.0.0" {
		t.Errorf("edition %q, version %q", s.Edition, s.Version)
	}
	if got := s.Topology(); got != "rac (2 instances: 1=orcl1, 2=orcl2)" {
		t.Errorf("topology %q", got)
	}
}

func TestParseInstancesRefusesWhatItCannotRead(t *testing.T) {
	if _, _, err := ParseInstances(nil); err == nil || !strings.Contains(err.Error(), "no instance") {
		t.Errorf("no rows: %v", err)
	}
	if _, _, err := ParseInstances([]answer.Row{{"INST_ID": "one"}}); err == nil || !strings.Contains(err.Error(), "INST_ID") {
		t.Errorf("bad INST_ID: %v", err)
	}
}

func TestParseEditionReadsEveryBannerForm(t *testing.T) {
	for banner, want := range map[string]string{
		"Oracle Database 21c Express Edition Release 21.0.0.0.0 - Production":                 "Express Edition",
		"Oracle AI Database 26ai Free Release 23.26.0.0.0 - Develop, Learn, and Run for Free": "Free",
		"Oracle Database 19c Standard Edition 2 Release 19.0.0.0.0 - Production":              "Standard Edition 2",
		"PL/SQL Release 12.2.0.1.0 - Production":                                              "",
	} {
		if got := ParseEdition([]answer.Row{{"BANNER": banner}}); got != want {
			t.Errorf("ParseEdition(%q) = %q, want %q", banner, got, want)
		}
	}
}

func TestCompileErrorsNameTheUnitAndLine(t *testing.T) {
	got := CompileErrors(recorded(t, "user_errors.json"))
	want := "PACKAGE BODY BANK line 7:5: PL/SQL: SQL Statement ignored; PACKAGE BODY BANK line 7:12: PL/SQL: ORA-00942: table or view does not exist"
	if got != want {
		t.Errorf("CompileErrors = %q\nwant %q", got, want)
	}
}

func TestAlterSystemRefusesWhatIsNoParameter(t *testing.T) {
	st, err := alterSystem("optimizer_index_cost_adj", "50")
	if err != nil || st != "ALTER SYSTEM SET optimizer_index_cost_adj = 50 SCOPE = BOTH" {
		t.Errorf("alterSystem = %q, %v", st, err)
	}
	for name, value := range map[string]string{"x; DROP USER y": "1", "open_cursors": "300; DROP USER y"} {
		if _, err := alterSystem(name, value); err == nil {
			t.Errorf("alterSystem(%q, %q) succeeded", name, value)
		}
	}
}

func TestSettingsQueryNamesTheScenariosSettingsToo(t *testing.T) {
	q := settingsQuery([]string{"OPTIMIZER_INDEX_COST_ADJ"})
	if !strings.Contains(q, "'control_management_pack_access'") || !strings.Contains(q, "'optimizer_index_cost_adj'") {
		t.Errorf("query %s", q)
	}
}

func TestTheImageAScenarioAsksFor(t *testing.T) {
	t.Setenv(ImageEnv, "")
	if got := imageFor(""); got != "gvenzl/oracle-free:23-slim-faststart" {
		t.Errorf("imageFor() = %q", got)
	}
	if got := imageFor("23.5"); got != "gvenzl/oracle-free:23.5-slim-faststart" {
		t.Errorf("imageFor(23.5) = %q", got)
	}
	t.Setenv(ImageEnv, "registry.example.com/gvenzl/oracle-free:23-full")
	if got := imageFor("23.5"); got != "registry.example.com/gvenzl/oracle-free:23-full" {
		t.Errorf("with %s set: %q", ImageEnv, got)
	}
}
