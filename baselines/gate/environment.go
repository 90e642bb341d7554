package gate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/baselines/store"
)

// An aspect is one thing both sides of a comparison should share.
type aspect struct {
	what string // "CPU model"
	why  string // what a difference means
	get  func(store.Run) string
}

// Why a difference matters, by kind.
const (
	acrossMachines = "a comparison across machines measures the machines as much as the build"
	acrossEngines  = "the database differs, not only the build"
	acrossLoads    = "the two sides ran different loads"
)

func aspects() []aspect {
	engine := func(f func(r store.Run) string) func(store.Run) string {
		return func(r store.Run) string {
			if r.Engine == nil {
				return ""
			}
			return f(r)
		}
	}
	return []aspect{
		{"host", acrossMachines, func(r store.Run) string { return r.Environment.Host }},
		{"CPU model", acrossMachines, func(r store.Run) string { return r.Environment.CPUModel }},
		{"CPU count", acrossMachines, func(r store.Run) string { return itoa(r.Environment.CPUs) }},
		{"memory (MiB)", acrossMachines, func(r store.Run) string { return itoa(int(r.Environment.MemoryMiB)) }},
		{"OS/arch", acrossMachines, func(r store.Run) string { return r.Environment.OS + "/" + r.Environment.Arch }},
		{"engine", acrossEngines, engine(func(r store.Run) string { return r.Engine.Engine + " " + r.Engine.Flavor })},
		{"engine version", acrossEngines, engine(func(r store.Run) string { return r.Engine.Version })},
		{"provider", acrossEngines, engine(func(r store.Run) string { return string(r.Engine.Provider) })},
		{"topology", acrossEngines, engine(func(r store.Run) string { return r.Engine.Topology })},
		{"workload", acrossLoads, func(r store.Run) string { return r.Workload }},
		{"workload definition (hash)", acrossLoads, func(r store.Run) string { return r.WorkloadHash }},
		{"dataset", acrossLoads, func(r store.Run) string { return r.Dataset }},
		{"executor", acrossLoads, func(r store.Run) string { return r.Executor }},
		{"VUs", acrossLoads, func(r store.Run) string { return itoa(r.Options.VUs) }},
		{"rate", acrossLoads, func(r store.Run) string { return strconv.FormatFloat(r.Options.Rate, 'g', -1, 64) }},
		{"duration", acrossLoads, func(r store.Run) string { return r.Options.Duration.String() }},
		// Every other option (stages, time unit, pools, iterations, timeouts) at once.
		{"load options", acrossLoads, func(r store.Run) string { return r.Options.Shape() }},
	}
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// EnvironmentWarnings says where the candidate's runs differ from the baseline's in
// machine (host, CPU model and count, memory, OS), database (engine, version, provider,
// topology, server settings) or load (workload, dataset, executor, VUs, rate, duration).
// Values unknown on one side (empty) are not compared. The harness version and commit are
// not compared: they are what the gate is meant to judge.
func EnvironmentWarnings(baseline, candidate []store.Run) []string {
	var out []string
	for _, a := range aspects() {
		if w := differs(a.what, a.why, baseline, candidate, a.get); w != "" {
			out = append(out, w)
		}
	}
	for _, key := range settingKeys(baseline, candidate) {
		get := func(r store.Run) string {
			if r.Engine == nil {
				return ""
			}
			return r.Engine.Settings[key]
		}
		if w := differs("setting "+key, acrossEngines, baseline, candidate, get); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// differs compares the distinct values of an aspect on both sides.
func differs(what, why string, baseline, candidate []store.Run, get func(store.Run) string) string {
	b, c := distinct(baseline, get), distinct(candidate, get)
	if len(b) == 0 || len(c) == 0 || slices.Equal(b, c) {
		return ""
	}
	return fmt.Sprintf("%s differs: baseline %s, candidate %s: %s", what, strings.Join(b, " | "), strings.Join(c, " | "), why)
}

// distinct returns the sorted distinct non-empty values of get over runs.
func distinct(runs []store.Run, get func(store.Run) string) []string {
	var out []string
	for _, r := range runs {
		if v := get(r); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// settingKeys lists the server settings recorded on either side, sorted.
func settingKeys(baseline, candidate []store.Run) []string {
	var keys []string
	for _, r := range append(slices.Clip(baseline), candidate...) {
		if r.Engine == nil {
			continue
		}
		for k := range r.Engine.Settings {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
