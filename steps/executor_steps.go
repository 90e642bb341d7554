package steps

import (
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/workloads/load"
)

// executorSentences are the other k6 executors, in plain words, and the table form that
// takes k6's option names for anything the sentences do not say.
func executorSentences(w *World) []Sentence {
	return []Sentence{
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the (?:workload )?"([^"]+)"(?: workload)? ramps from (\d+(?:\.\d+)?) to (\d+(?:\.\d+)?) operations per second over (\S+) with up to (\d+) workers?$`,
			Example: `the "ycsb-a" workload ramps from 10 to 200 operations per second over 30s with up to 32 workers`,
			Help:    "Open-loop load whose rate ramps linearly (k6's ramping-arrival-rate); half the workers connect before the start, more join when all are busy."},
			5, noArg, func(a args) (string, load.Options, error) {
				d, err := parseDuration(a.s[3])
				workers := atoi(a.s[4])
				return a.s[0], load.Options{Executor: "ramping-arrival-rate", StartRate: atof(a.s[1]),
					Stages: []load.Stage{{Duration: d, Target: int(atof(a.s[2]))}}, PreAllocatedVUs: max(1, workers/2), MaxVUs: workers}, err
			}, w.runWorkload),
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the (?:workload )?"([^"]+)"(?: workload)? ramps from (\d+) to (\d+) workers over (\S+)$`,
			Example: `the "point-select" workload ramps from 1 to 16 workers over 20s`,
			Help:    "Closed-loop load whose worker count ramps linearly (k6's ramping-vus)."},
			4, noArg, func(a args) (string, load.Options, error) {
				d, err := parseDuration(a.s[3])
				return a.s[0], load.Options{Executor: "ramping-vus", StartVUs: atoi(a.s[1]), Stages: []load.Stage{{Duration: d, Target: atoi(a.s[2])}}}, err
			}, w.runWorkload),
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the "([^"]+)" workload runs (\d+) times shared by (\d+) workers?$`,
			Example: `the "tpcb" workload runs 1000 times shared by 4 workers`,
			Help:    "A fixed number of operations, taken by whichever worker is free (k6's shared-iterations)."},
			3, noArg, func(a args) (string, load.Options, error) {
				return a.s[0], load.Options{Executor: "shared-iterations", Iterations: int64(atoi(a.s[1])), VUs: atoi(a.s[2])}, nil
			}, w.runWorkload),
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^each of (\d+) workers runs the "([^"]+)" workload (\d+) times$`,
			Example: `each of 4 workers runs the "tpcb" workload 250 times`,
			Help:    "A fixed number of operations per worker (k6's per-vu-iterations)."},
			3, noArg, func(a args) (string, load.Options, error) {
				return a.s[1], load.Options{Executor: "per-vu-iterations", Iterations: int64(atoi(a.s[2])), VUs: atoi(a.s[0])}, nil
			}, w.runWorkload),
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the (?:workload )?"([^"]+)"(?: workload)? runs with:$`,
			Example: `the "tpcb" workload runs with:`,
			Table:   "| executor | ramping-arrival-rate |\n| startRate | 50 |\n| stages | 10s:200, 20s:200, 10s:0 |\n| preAllocatedVUs | 8 |\n| maxVUs | 32 |",
			Help: "Any k6 executor, with k6's option names in a two-column table: executor, vus, duration, rate, timeUnit, " +
				"preAllocatedVUs, maxVUs, startRate, startVUs, stages (like `10s:50, 20s:0`), iterations, maxDuration, " +
				"gracefulStop, gracefulRampDown, opTimeout, seed."},
			1, tableArg, func(a args) (string, load.Options, error) {
				opts, err := optionsFromTable(a.table)
				return a.s[0], opts, err
			}, w.runWorkload),
	}
}

// optionsFromTable reads k6's option names (any case, with or without dashes or spaces) from
// a two-column table, through the parser `dbharness load`'s flags use too.
func optionsFromTable(table *godog.Table) (load.Options, error) {
	var o load.Options
	if table == nil {
		return o, fmt.Errorf("this sentence needs a table of options, | option | value |, on the lines after it")
	}
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return o, fmt.Errorf("table row %d: want two cells, option | value", i+1)
		}
		name, val := row.Cells[0].Value, row.Cells[1].Value
		if i == 0 && strings.EqualFold(strings.TrimSpace(name), "option") {
			continue // a header row
		}
		if err := load.SetOption(&o, name, val); err != nil {
			return o, fmt.Errorf("table row %d: %w", i+1, err)
		}
	}
	if o.Executor == "" {
		return o, fmt.Errorf("the table names no executor: add a row | executor | %s |", strings.Join(load.Executors(), " or "))
	}
	return o, nil
}
