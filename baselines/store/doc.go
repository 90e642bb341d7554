// Package store keeps recorded baselines: one versioned JSON file per baseline name under a
// root folder (DefaultRoot), "postgresql/tpcb" being <root>/postgresql/tpcb.json.
//
// A file holds every run ever recorded for the baseline, oldest first, and the acceptances:
// Record appends runs, Accept makes the latest runs the baseline (a new generation) and
// keeps the older ones as history, for change-point detection. Each run keeps what the
// statistics and the attribution of a regression need: the environment fingerprint, the
// engine, the workload and its options, the seeds, the per-operation measures and the
// database metrics of the run reduced to one number each.
//
// Files are written atomically (a temporary file renamed over the old one) under an
// exclusive lock, and a file that cannot be read (corrupt, another schema version, another
// name) is an error naming the path and the problem; it is never overwritten.
package store
