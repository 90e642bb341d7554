package cli

// BaselineCmd exposes `dbharness baseline` to the tests of package cli_test until the
// command list in cli.go names it.
var BaselineCmd = baselineCmd

// ResultFiles exposes how `compare --base FOLDER` finds the base's result files.
var ResultFiles = resultFiles
