// Package load is dbharness's load engine: it drives a workloads.Workload against a target with
// one of k6's executors, times every operation, and summarizes the run.
//
// An executor schedules iterations (one iteration runs one operation, picked by weight) onto a
// pool of virtual users (VUs), each owning one workloads.Worker and one deterministic
// *rand.Rand. The executors are k6's, with k6's parameters (see Options):
//
//   - closed loop, each VU starting its next iteration when the last one ends:
//     constant-vus, ramping-vus (stages, graceful ramp-down), shared-iterations and
//     per-vu-iterations (with a max duration);
//   - open loop, iterations starting on a schedule whatever the database does:
//     constant-arrival-rate and ramping-arrival-rate (stages), on a pool of pre-allocated VUs
//     that grows up to MaxVUs.
//
// Open-loop executors measure latency from each iteration's intended start, so a stalled
// database shows up in the latencies instead of slowing the clock (no coordinated omission).
// An iteration that finds no free VU waits for the first free one, at most 10 ms after its
// intended start (pgbench starts a busy client's transaction late, too); one that would wait
// longer is dropped and counted, as k6's dropped_iterations. At the end of the schedule in-flight iterations get a graceful stop,
// then are interrupted and counted as such, never as errors.
//
// Latencies go into HDR histograms (one per VU per operation, so the hot path takes no shared
// lock) that are merged at the end; a second, coarser set is swapped out every interval for
// the live progress line, the per-interval snapshots of the Summary and the live snapshots
// given to Options.Watch, which can abort the run (thresholds with abortOnFail).
//
// RunScenarios runs several loads at once, each with its own executor and VUs, as k6's
// scenarios.
package load
