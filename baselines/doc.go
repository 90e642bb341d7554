// Package baselines will hold recorded results and the statistics that decide "regression"
// in CI (Mann-Whitney U, bootstrap confidence intervals of the ratio, change-point detection
// over history). It is empty until the baselines issue lands; results are already written in
// the versioned schema it will read (package result).
package baselines
