package oraclefree

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines/provider/docker"
)

func TestOptionsBecomeTheImagesEnvironment(t *testing.T) {
	o := defaultOptions()
	for _, opt := range []Option{WithPassword("Sys0pass"), WithAppUser("test", "app-pass 1"), WithStartupTimeout(3 * time.Minute)} {
		if err := opt(&o); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	env := o.env()
	if env["ORACLE_PASSWORD"] != "Sys0pass" || env["APP_USER"] != "test" || env["APP_USER_PASSWORD"] != "app-pass 1" || len(env) != 3 {
		t.Errorf("env %v", env)
	}
	if u, p := o.loginUser(); u != "test" || p != "app-pass 1" || o.startupTimeout != 3*time.Minute {
		t.Errorf("login %s/%s, timeout %s", u, p, o.startupTimeout)
	}
	only := defaultOptions()
	_ = WithPassword("x")(&only)
	if u, _ := only.loginUser(); u != "system" || len(only.env()) != 1 {
		t.Errorf("without an application user: login %s, env %v", u, only.env())
	}
}

func TestOptionsRefuseWhatTheImageCannotTake(t *testing.T) {
	for name, opts := range map[string][]Option{
		"no password":           nil,
		"a double quote":        {WithPassword(`a"b`)},
		"app user, no password": {WithPassword("x"), WithAppUser("test", "")},
	} {
		o := defaultOptions()
		for _, opt := range opts {
			if err := opt(&o); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if err := o.validate(); err == nil {
			t.Errorf("%s: validate passed", name)
		}
	}
	for _, opt := range []Option{WithPassword(""), WithAppUser("", "x"), WithStartupTimeout(0)} {
		if err := opt(&options{}); err == nil {
			t.Errorf("an empty or zero option was taken")
		}
	}
}

// Run checks its options before it asks Docker for anything.
func TestRunWithoutAPasswordFailsBeforeStarting(t *testing.T) {
	c, err := Run(context.Background(), DefaultImage)
	if c != nil || err == nil || !strings.Contains(err.Error(), "WithPassword") {
		t.Errorf("Run without a password = %v, %v", c, err)
	}
}

func TestURLEscapesEveryPart(t *testing.T) {
	raw := URL("::1", "32771", Service, "app", "p@ss/w:rd?", map[string]string{"CONNECTION TIMEOUT": "30"})
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "oracle" || u.User.Username() != "app" || pw != "p@ss/w:rd?" || u.Host != "[::1]:32771" || u.Path != "/FREEPDB1" || u.Query().Get("CONNECTION TIMEOUT") != "30" {
		t.Errorf("URL %s reads back as %+v", raw, u)
	}
}

// A real container, where Docker runs.
func TestRunOracleFree(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartupTimeout+2*time.Minute)
	defer cancel()
	if err := docker.Check(ctx); err != nil {
		t.Skipf("needs Docker, and %v", err)
	}
	c, err := Run(ctx, DefaultImage, WithPassword("Harness1pass"), WithAppUser("tester", "Tester1pass"))
	if c != nil {
		t.Cleanup(func() { _ = c.Terminate(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	dsn, err := c.ConnectionString(ctx, nil)
	if err != nil || !strings.Contains(dsn, "tester:Tester1pass@") || !strings.HasSuffix(dsn, "/FREEPDB1") {
		t.Errorf("ConnectionString = %q, %v", dsn, err)
	}
}
