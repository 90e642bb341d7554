// Package load is dbharness's load engine: it drives a workloads.Workload against a target with
// one of k6's executors, times every operation, and summarizes the run.
//
// An executor schedules iterations (one iteration runs one operation, picked by weight) onto a
// fixed pool of virtual users (VUs), each owning one workloads.Worker and one deterministic
// *rand.Rand. Closed-loop executors (constant-vus) start the next iteration when the last one
// ends; open-loop executors (constant-arrival-rate) start iterations on a schedule and measure
// latency from each iteration's intended start, so a stalled database shows up in the
// latencies instead of slowing the clock (no coordinated omission). An iteration that finds no
// free VU is dropped and counted, as k6's dropped_iterations.
//
// Latencies go into HDR histograms (one per VU per operation, so the hot path takes no shared
// lock) that are merged at the end; a second, coarser set is swapped out every interval for
// the live progress line and the per-interval snapshots of the Summary.
package load
