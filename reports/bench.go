package reports

import (
	"io"
	"strings"

	"github.com/dbharness/dbharness/baselines/benchfmt"
	"github.com/dbharness/dbharness/result"
)

func init() {
	Register(Renderer{Name: "bench", File: "results.bench.txt",
		Description: "every workload run in the Go benchmark format: `benchstat old.txt new.txt` compares two runs' files",
		Render:      renderBench})
}

// renderBench writes one block per scenario: its configuration lines (machine, database,
// build), then a line per run and operation, named Benchmark<Workload>/<operation>.
func renderBench(w io.Writer, r *result.Report) error {
	for _, s := range r.Scenarios {
		var runs []benchfmt.Run
		for _, l := range s.Loads {
			if l != nil {
				runs = append(runs, benchfmt.FromSummary(l.Workload, l)...)
			}
		}
		if len(runs) == 0 {
			continue
		}
		cfg := benchfmt.Config(strings.Join(strings.Fields(s.Name), " "), r.Environment, s.Engine)
		if err := benchfmt.Write(w, cfg, runs); err != nil {
			return err
		}
	}
	return nil
}
