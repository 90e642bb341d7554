package gate

import (
	"fmt"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// MachineSides is what the machine did on each side of a comparison, as means over the runs.
type MachineSides struct {
	Baseline  MachineSide `json:"baseline"`
	Candidate MachineSide `json:"candidate"`
}

// MachineSide is one side's machine, averaged over its runs.
type MachineSide struct {
	// Neighbours is the CPUs' worth of work everything but the harness and its servers did.
	Neighbours float64 `json:"neighbours_cpus"`
	// CPUPressure is the share of the time some task waited for a CPU (PSI), 0 to 1.
	CPUPressure float64 `json:"cpu_pressure"`
	Steal       float64 `json:"steal"`
}

// How much more the neighbours may do on one side before it explains a change of the
// wall-clock measures. Note: chosen so that a quiet CI machine's jitter (a few hundredths of
// a CPU, pressure in single percents) never trips them, and a neighbour as busy as a quarter
// of a core always does.
const (
	busyNeighbours = 0.25 // CPUs
	busyPressure   = 0.10 // share of the time
	busySteal      = 0.05
)

// machineSides averages each side's machine, or nil when some run did not measure it.
func machineSides(baseline, candidate []store.Run) *MachineSides {
	side := func(runs []store.Run) (MachineSide, bool) {
		var s MachineSide
		for _, r := range runs {
			if r.Machine == nil || r.Machine.Seconds <= 0 {
				return s, false
			}
			s.Neighbours += r.Machine.Neighbours()
			s.CPUPressure += r.Machine.CPUPressure
			s.Steal += r.Machine.Steal
		}
		n := float64(len(runs))
		s.Neighbours, s.CPUPressure, s.Steal = s.Neighbours/n, s.CPUPressure/n, s.Steal/n
		return s, len(runs) > 0
	}
	b, okB := side(baseline)
	c, okC := side(candidate)
	if !okB || !okC {
		return nil
	}
	return &MachineSides{Baseline: b, Candidate: c}
}

// busier says whether side a did clearly more than side b of the neighbours' kind of work.
func busier(a, b MachineSide) bool {
	return a.Neighbours-b.Neighbours > busyNeighbours || a.CPUPressure-b.CPUPressure > busyPressure || a.Steal-b.Steal > busySteal
}

// explains turns the wall-clock rows that a busier side explains into inconclusive ones: a
// regression when the candidate's machine was the busier, an improvement when the
// baseline's was. It returns what it says in the report, or "" when the sides were alike.
// Cost rows (CPU per operation) keep their verdicts: they move far less with neighbours.
func (m *MachineSides) explains(rows []Row) string {
	var why string
	var hides stats.Verdict
	switch {
	case busier(m.Candidate, m.Baseline):
		why, hides = "the candidate's machine was busier", stats.Regressed
	case busier(m.Baseline, m.Candidate):
		why, hides = "the baseline's machine was busier", stats.Improved
	default:
		return ""
	}
	text := fmt.Sprintf("machine busy: %s (neighbours %s → %s CPUs, CPU pressure %s → %s, steal %s → %s)", why,
		formatNumber(m.Baseline.Neighbours), formatNumber(m.Candidate.Neighbours),
		percent(m.Baseline.CPUPressure), percent(m.Candidate.CPUPressure), percent(m.Baseline.Steal), percent(m.Candidate.Steal))
	for i := range rows {
		if rows[i].wallClock && rows[i].Verdict == hides {
			rows[i].Verdict = stats.Inconclusive
			rows[i].Warnings = append(rows[i].Warnings, text+": it explains this change, which therefore decides nothing")
		}
	}
	return text
}
