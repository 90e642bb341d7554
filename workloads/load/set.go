package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An OptionSpec is one option by k6's name, with how to set it from text: the one parser
// the thresholds-free surfaces share (a feature's option table, the flags of `dbharness
// load`).
type OptionSpec struct {
	Name string // k6's name, e.g. "preAllocatedVUs"
	Help string
	set  func(o *Options, v string) error
}

// OptionSpecs lists every option by its k6 name, in the order k6's docs list them.
func OptionSpecs() []OptionSpec {
	dur := func(f func(o *Options) *time.Duration) func(*Options, string) error {
		return func(o *Options, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil || d < 0 {
				return fmt.Errorf("%q is not a duration: write it like 500ms, 20s or 1m30s", v)
			}
			*f(o) = d
			return nil
		}
	}
	num := func(f func(o *Options) *int) func(*Options, string) error {
		return func(o *Options, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return fmt.Errorf("%q is not a whole number of 0 or more", v)
			}
			*f(o) = n
			return nil
		}
	}
	rate := func(f func(o *Options) *float64) func(*Options, string) error {
		return func(o *Options, v string) error {
			r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || r < 0 {
				return fmt.Errorf("%q is not a rate of 0 or more", v)
			}
			*f(o) = r
			return nil
		}
	}
	return []OptionSpec{
		{"executor", "k6 executor: " + strings.Join(Executors(), ", "), func(o *Options, v string) error { o.Executor = strings.TrimSpace(v); return nil }},
		{"vus", "virtual users (workers, one connection each)", num(func(o *Options) *int { return &o.VUs })},
		{"duration", "how long iterations are started for", dur(func(o *Options) *time.Duration { return &o.Duration })},
		{"rate", "iterations per time unit (constant-arrival-rate)", rate(func(o *Options) *float64 { return &o.Rate })},
		{"timeUnit", "period of the rates (default 1s)", dur(func(o *Options) *time.Duration { return &o.TimeUnit })},
		{"preAllocatedVUs", "VUs created before the start (arrival-rate executors)", num(func(o *Options) *int { return &o.PreAllocatedVUs })},
		{"maxVUs", "most VUs arrival-rate executors may create", num(func(o *Options) *int { return &o.MaxVUs })},
		{"startRate", "rate at the start (ramping-arrival-rate)", rate(func(o *Options) *float64 { return &o.StartRate })},
		{"startVUs", "VUs at the start (ramping-vus)", num(func(o *Options) *int { return &o.StartVUs })},
		{"stages", "ramping stages, duration:target, e.g. 10s:50, 20s:200, 10s:0", func(o *Options, v string) error {
			s, err := ParseStages(v)
			o.Stages = s
			return err
		}},
		{"iterations", "iterations (shared-iterations: in all; per-vu-iterations: per VU)", func(o *Options, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%q is not a whole number of 0 or more", v)
			}
			o.Iterations = n
			return nil
		}},
		{"maxDuration", "bound of the iteration executors (default 10m)", dur(func(o *Options) *time.Duration { return &o.MaxDuration })},
		{"gracefulStop", "time for running iterations to finish at the end (default 30s)", dur(func(o *Options) *time.Duration { return &o.GracefulStop })},
		{"gracefulRampDown", "time for removed VUs to finish (ramping-vus, default 30s)", dur(func(o *Options) *time.Duration { return &o.GracefulRampDown })},
		{"opTimeout", "timeout of each operation (default 30s)", dur(func(o *Options) *time.Duration { return &o.OpTimeout })},
		{"seed", "seed of the VUs' random generators (0: random, recorded in the result)", func(o *Options, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			o.Seed = n
			return nil
		}},
	}
}

// optionKey makes k6 names, flags and table words alike: "preAllocatedVUs",
// "pre-allocated-vus" and "Pre allocated VUs" are one option.
func optionKey(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// SetOption sets the option named by k6's name (any case, with or without dashes, spaces or
// underscores; "workers" is vus) from text. The error names the option and, for an unknown
// name, the valid ones.
func SetOption(o *Options, name, value string) error {
	key := optionKey(name)
	if key == "workers" {
		key = "vus"
	}
	var names []string
	for _, s := range OptionSpecs() {
		if optionKey(s.Name) == key {
			if err := s.set(o, value); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			return nil
		}
		names = append(names, s.Name)
	}
	return fmt.Errorf("unknown option %q: valid options are %s", name, strings.Join(names, ", "))
}

// FlagName is an option's k6 name as a command-line flag: "preAllocatedVUs" is
// "pre-allocated-vus".
func FlagName(k6 string) string {
	var b strings.Builder
	for i, r := range k6 {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && !(k6[i-1] >= 'A' && k6[i-1] <= 'Z') {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
