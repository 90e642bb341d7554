package sqlserver

import (
	"net/url"
	"strings"
	"testing"
)

// The passwords the engine makes pass the policy and survive the DSN: the image would
// refuse any other and stop before it is ready.
func TestNewPasswordsPassThePolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		pw := newPassword()
		if err := CheckPassword(pw); err != nil {
			t.Fatalf("newPassword() = %q: %v", pw, err)
		}
		d, err := ParseDSN(BuildDSN("h", 1433, "sa", pw, nil))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(d.String())
		if got, _ := u.User.Password(); got != pw {
			t.Fatalf("password %q came back %q", pw, got)
		}
		seen[pw] = true
	}
	if len(seen) < 500 {
		t.Errorf("%d distinct passwords of 500", len(seen))
	}
}

func TestVersionChecks(t *testing.T) {
	if err := checkVersion("2022"); err != nil {
		t.Error(err)
	}
	if err := checkVersion("2008"); err == nil || !strings.Contains(err.Error(), "2017, 2019, 2022") {
		t.Errorf("checkVersion(2008) = %v, want the releases there are", err)
	}
	if image("") != images[DefaultVersion] || !strings.Contains(image("2019"), "2019") {
		t.Errorf("image() = %q, image(2019) = %q", image(""), image("2019"))
	}
	t.Setenv(ImageEnv, "mirror.example/mssql:2022-CU16")
	if image("2019") != "mirror.example/mssql:2022-CU16" {
		t.Errorf("%s is not used", ImageEnv)
	}
	if err := checkRelease("2019", "16.0.4135.4", "db:1433"); err == nil || !strings.Contains(err.Error(), "the server is 2022 (version 16.0.4135.4)") {
		t.Errorf("checkRelease(2019, a 2022 server) = %v", err)
	}
	if err := checkRelease("", "16.0.4135.4", "db:1433"); err != nil {
		t.Errorf("no release asked: %v", err)
	}
	if err := checkRelease("2022", "16.0.4135.4", "db:1433"); err != nil {
		t.Errorf("the release asked: %v", err)
	}
}
