package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dbharness/dbharness/dashboards"
	"github.com/dbharness/dbharness/runner"
)

func dashboardsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "generate" {
		return usageError(fmt.Errorf("dashboards: use `dbharness dashboards generate [--target t] [--out dir] [features...]`"))
	}
	fs := newFlagSet("dashboards generate", stderr)
	var names []string
	for _, t := range dashboards.Targets() {
		names = append(names, t.Name)
	}
	target := fs.String("target", "", "one target: "+strings.Join(names, ", ")+" (default: all of them)")
	out := fs.String("out", "dashboards/generated", "folder to write into, one subfolder per target")
	tags := fs.String("tags", runner.DefaultTags, "scenarios whose thresholds become rules and panels")
	paths, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usageError(err)
	}
	if len(paths) == 0 {
		paths = []string{"features"}
	}
	st, err := runner.Thresholds(paths, *tags)
	if err != nil {
		return ExitError{Code: ExitUsage, Err: err}
	}
	var targets []string
	if *target != "" {
		targets = []string{*target}
	}
	set := dashboards.NewSet(dashboards.FromThresholds(st))
	files, err := dashboards.Files(set, targets...)
	if err != nil {
		return usageError(err)
	}
	written, err := dashboards.Write(*out, files)
	if err != nil {
		return ExitError{Code: ExitFailed, Err: err}
	}
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	for _, s := range set.Skipped {
		fmt.Fprintf(stderr, "no rule or panel: %v\n", s)
	}
	return nil
}
