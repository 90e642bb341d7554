// Package baselines will hold recorded results and the regression gate that compares a run
// with them. Its subpackages are the parts that exist so far:
//
//   - stats: the statistics of the gate (Mann-Whitney U, bootstrap interval of the ratio of
//     medians, verdicts with a power calculation, e-divisive change points over history);
//   - benchfmt: results in the Go benchmark text format, so benchstat reads them unchanged.
//
// The store of recorded baselines, the CLI and the Gherkin steps are still to come (the
// baselines issue); results are already written in the versioned schema they will read
// (package result).
package baselines
