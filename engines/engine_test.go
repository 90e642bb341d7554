package engines_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
)

type fakeEngine struct {
	name   string
	usable map[engines.Provider]bool
}

func (f fakeEngine) Name() string { return f.name }
func (f fakeEngine) Describe() engines.Description {
	return engines.Description{Display: f.name, Flavors: []engines.Flavor{{Name: f.name}}}
}
func (f fakeEngine) Check(_ context.Context, p engines.Provider) error {
	if f.usable[p] {
		return nil
	}
	return errors.New(string(p) + " missing")
}
func (f fakeEngine) Start(context.Context, engines.Spec) (engines.Instance, error) { return nil, nil }

func TestRegisterRejectsDuplicatesAndEmptyNames(t *testing.T) {
	engines.Register(fakeEngine{name: "zz-test-engine"})
	for _, tc := range []struct {
		name string
		e    engines.Engine
	}{{"duplicate", fakeEngine{name: "zz-test-engine"}}, {"empty", fakeEngine{}}, {"nil", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%s) did not panic", tc.name)
				}
			}()
			engines.Register(tc.e)
		})
	}
	names := engines.Names()
	if names[len(names)-1] != "zz-test-engine" {
		t.Errorf("Names() = %v, want sorted with zz-test-engine last", names)
	}
	if _, err := engines.Lookup("nope"); err == nil || !strings.Contains(err.Error(), "zz-test-engine") {
		t.Errorf("Lookup(nope) = %v, want the registered names listed", err)
	}
}

func TestResolveAutoPrefersDockerThenNative(t *testing.T) {
	ctx := context.Background()
	both := fakeEngine{name: "x", usable: map[engines.Provider]bool{engines.ProviderDocker: true, engines.ProviderNative: true}}
	if p, err := engines.Resolve(ctx, both, engines.ProviderAuto); err != nil || p != engines.ProviderDocker {
		t.Errorf("Resolve = %v, %v; want docker", p, err)
	}
	nativeOnly := fakeEngine{name: "x", usable: map[engines.Provider]bool{engines.ProviderNative: true}}
	if p, err := engines.Resolve(ctx, nativeOnly, ""); err != nil || p != engines.ProviderNative {
		t.Errorf("Resolve = %v, %v; want native", p, err)
	}
	none := fakeEngine{name: "x"}
	_, err := engines.Resolve(ctx, none, engines.ProviderAuto)
	for _, want := range []string{"docker missing", "native missing", "embedded missing"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve(none) = %v, want it to say %q", err, want)
		}
	}
}

func TestParseProvider(t *testing.T) {
	if p, err := engines.ParseProvider(" Native "); err != nil || p != engines.ProviderNative {
		t.Errorf("ParseProvider(Native) = %v, %v", p, err)
	}
	if _, err := engines.ParseProvider("podman"); err == nil || !strings.Contains(err.Error(), "auto, docker, native") {
		t.Errorf("ParseProvider(podman) = %v, want the choices listed", err)
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://bob:s3cret@db:5432/x":                         "postgres://bob:xxxxx@db:5432/x",
		`failed to connect to "host=db user=bob password=s3cret"`: `failed to connect to "host=db user=bob password=xxxxx"`,
		"host=db password='a b c' dbname=x":                       "host=db password=xxxxx dbname=x",
		"mysql://root:pw@tcp(127.0.0.1:3306)/db":                  "mysql://root:xxxxx@tcp(127.0.0.1:3306)/db",
		"postgres://bob@db/x (no password)":                       "postgres://bob@db/x (no password)",
		"two: redis://:p1@a:1 and postgres://u:p2@b:2/db":         "two: redis://:xxxxx@a:1 and postgres://u:xxxxx@b:2/db",
		"redis://:p@ss@h:1 (an unescaped @ in the password)":      "redis://:xxxxx@h:1 (an unescaped @ in the password)",
		"http://h:9200/?api_key=c2VjcmV0Cg==&x=1":                 "http://h:9200/?api_key=xxxxx&x=1",
		"https://h:9200?apikey=abc token=t0k":                     "https://h:9200?apikey=xxxxx token=xxxxx",
		"num_tokens=16 keyspace=x":                                "num_tokens=16 keyspace=x",
	} {
		if got := engines.RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
	if got := engines.DSNAddress("postgres://bob:s3cret@db:5432/x"); got != "db:5432" {
		t.Errorf("DSNAddress = %q", got)
	}
}
