// Package baselines holds recorded results and the regression gate that compares a run with
// them. Its subpackages:
//
//   - stats: the statistics of the gate (Mann-Whitney U, bootstrap interval of the ratio of
//     medians, verdicts with a power calculation, e-divisive change points over history);
//   - store: recorded baselines as versioned JSON files, written atomically, append-only;
//   - gate: candidate runs against a baseline, per measure, with the database metrics that
//     moved in the same window;
//   - benchfmt: results in the Go benchmark text format, so benchstat reads them unchanged.
//
// docs/baselines.md describes the files, the verdict rule and how to use the gate in CI.
package baselines
