package oracle

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseDSNKeepsEveryPart(t *testing.T) {
	pw := "p@ss:w/rd?#%&x"
	raw := "oracle://scott:" + url.PathEscape(pw) + "@db.example.com:1522/ORCLPDB1?PROGRAM=mine&CONNECTION+TIMEOUT=30"
	d, err := ParseDSN(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.User != "scott" || d.Password != pw || d.Host != "db.example.com" || d.Port != "1522" || d.Service != "ORCLPDB1" {
		t.Errorf("parsed %+v", d)
	}
	if d.Options["PROGRAM"] != "mine" || d.Options["CONNECTION TIMEOUT"] != "30" {
		t.Errorf("options %v", d.Options)
	}
	if got := d.Address(); got != "db.example.com:1522/ORCLPDB1" {
		t.Errorf("Address() = %q", got)
	}
	// String writes a URL go-ora reads back to the same parts.
	again, err := ParseDSN(d.String())
	if err != nil {
		t.Fatal(err)
	}
	if again.Password != pw || again.Service != d.Service || again.Options["CONNECTION TIMEOUT"] != "30" {
		t.Errorf("round trip: %+v", again)
	}
}

func TestParseDSNDefaultsThePortAndTakesASID(t *testing.T) {
	d, err := ParseDSN("oracle://system:x@localhost?SID=FREE")
	if err != nil {
		t.Fatal(err)
	}
	if d.Port != "1521" || d.Service != "" || d.Address() != "localhost:1521/SID=FREE" {
		t.Errorf("parsed %+v, address %s", d, d.Address())
	}
}

func TestParseDSNSaysWhatIsMissingWithoutThePassword(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:hunter2@h/db":      `scheme "postgres"`,
		"oracle://u:hunter2@/FREEPDB1":   "names no host",
		"oracle://:hunter2@h:1521/FREE":  "names no user",
		"oracle://u:hunter2@h:1521":      "no service",
		"oracle://u:hunter2@h:1521/%zz":  "is not a URL",
		"oracle://u:hunter2@h:1521/?x=1": "no service",
	} {
		_, err := ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", dsn)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDSN(%q) = %v, want it to say %q", dsn, err, want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseDSN(%q) printed the password: %v", dsn, err)
		}
	}
}

func TestWithProgramKeepsOneTheDSNNames(t *testing.T) {
	got, err := ParseDSN(WithProgram("oracle://u:p@h:1521/S", ProgramWorkload))
	if err != nil || got.Options["PROGRAM"] != ProgramWorkload {
		t.Errorf("WithProgram set %v (%v)", got.Options, err)
	}
	kept, err := ParseDSN(WithProgram("oracle://u:p@h:1521/S?program=mine", ProgramWorkload))
	if err != nil || kept.Options["program"] != "mine" || len(kept.Options) != 1 {
		t.Errorf("WithProgram replaced the DSN's own program: %v (%v)", kept.Options, err)
	}
	if bad := "not a dsn"; WithProgram(bad, ProgramWorkload) != bad {
		t.Errorf("WithProgram changed a DSN it cannot read")
	}
}
