package mysql

import (
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
)

func TestDSNRoundTripsAndRedacts(t *testing.T) {
	for _, dsn := range []string{
		"mysql://dbharness:s3cr%40t@127.0.0.1:3306/dbharness",
		"mysql+replicated://u:p@127.0.0.1:1,127.0.0.1:2,127.0.0.1:3/db?tls=skip-verify",
	} {
		tg, err := ParseDSN(dsn)
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if got := tg.String(); got != dsn {
			t.Errorf("String() = %s, want %s", got, dsn)
		}
		if red := engines.RedactDSN(tg.String()); strings.Contains(red, "s3cr") || strings.Contains(red, ":p@") {
			t.Errorf("RedactDSN(%s) = %s: the password shows", dsn, red)
		}
	}
	tg, _ := ParseDSN("mysql://dbharness:s3cr%40t@127.0.0.1:3306/dbharness")
	if tg.Password != "s3cr@t" || tg.Replicated() {
		t.Errorf("parsed %+v", tg)
	}
	cfg := tg.Config("127.0.0.1:3306")
	if !cfg.InterpolateParams || cfg.Passwd != "s3cr@t" || cfg.DBName != "dbharness" {
		t.Errorf("driver config %+v: want interpolated parameters and the credentials", cfg)
	}
}

func TestDriverDSNsAreAcceptedAndNeverQuoted(t *testing.T) {
	tg, err := ParseDSN("bob:hunter2@tcp(10.0.0.1:3307)/shop")
	if err != nil || tg.Scheme != SchemeStandalone || tg.Addrs[0] != "10.0.0.1:3307" || tg.Database != "shop" {
		t.Fatalf("ParseDSN of a driver DSN = %+v, %v", tg, err)
	}
	if !strings.HasPrefix(tg.String(), "mysql://bob:hunter2@10.0.0.1:3307/shop") {
		t.Errorf("String() = %s, want the URL form", tg.String())
	}
	for _, bad := range []string{"bob:hunter2@tcp(10.0.0.1:3307/shop", "mysql://bob:hunter2@nohost/db", "mysql://bob:hunter2@h:1,h:2/db",
		"postgres://bob:hunter2@h:1/db", "mysql://bob:hunter2@h:1/db?sneaky=1"} {
		_, err := ParseDSN(bad)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", bad)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseDSN(%q): %v quotes the password", bad, err)
		}
	}
}

func TestGTIDPositions(t *testing.T) {
	p, err := ParseMariaDBPosition("0-1-100,1-2-7,0-2-103")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseMariaDBPosition("0-1-95,1-2-7")
	if n := p.Missing(r); n != 8 {
		t.Errorf("0-103,1-7 minus 0-95,1-7 = %d, want 8", n)
	}
	if n := r.Missing(p); n != 0 {
		t.Errorf("a replica ahead of nothing: %d", n)
	}
	empty, _ := ParseMariaDBPosition("")
	if !empty.Empty() || p.Missing(empty) != 110 {
		t.Errorf("empty position: %v, missing %d", empty.Empty(), p.Missing(empty))
	}
	if _, err := ParseMariaDBPosition("0-1"); err == nil {
		t.Error("0-1 parsed")
	}
	m, err := ParseMySQLGTIDSet("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100:105,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:1-5")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ParseMySQLGTIDSet("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-90")
	if n := m.Missing(a); n != 16 {
		t.Errorf("missing = %d, want 10+1+5", n)
	}
	if got := a.String(); got != "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-90" {
		t.Errorf("String() = %s", got)
	}
	if _, err := ParseMySQLGTIDSet("uuid:9-3"); err == nil {
		t.Error("a backwards interval parsed")
	}
}
