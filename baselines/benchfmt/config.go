package benchfmt

import (
	"strconv"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
)

// Config returns the configuration lines for runs of scenario on the machine and build
// env describes, against the database info describes (nil when unknown): goos, goarch,
// cpu and cpus as `go test` writes them, then scenario, engine, engine-flavor,
// engine-version, harness-version and harness-commit. Empty fields are left out.
func Config(scenario string, env result.Environment, info *engines.Info) []KV {
	var cfg []KV
	add := func(key, value string) {
		if value != "" {
			cfg = append(cfg, KV{key, value})
		}
	}
	add("goos", env.OS)
	add("goarch", env.Arch)
	add("cpu", env.CPUModel)
	if env.CPUs > 0 {
		add("cpus", strconv.Itoa(env.CPUs))
	}
	add("scenario", scenario)
	if info != nil {
		add("engine", info.Engine)
		add("engine-flavor", info.Flavor)
		add("engine-version", info.Version)
	}
	add("harness-version", env.Harness)
	add("harness-commit", env.Commit)
	return cfg
}
