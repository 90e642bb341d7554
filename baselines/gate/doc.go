// Package gate is the regression gate: it compares a candidate's runs with a recorded
// baseline measure by measure (package stats decides each verdict), says which database
// metrics moved most in the same runs when a measure regressed, warns when the two sides
// ran on different machines, engines or loads, finds where the level of a baseline's
// history shifted, and renders all of it as Markdown (for a pull-request comment) and JSON.
package gate
