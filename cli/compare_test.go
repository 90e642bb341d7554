package cli_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/cli"
)

// compareOutcome runs `dbharness compare` and checks what every comparison must leave: an
// exit code that matches the verdict in compare.json, and a JUnit file with one case per
// compared workload. It returns the verdict and the Markdown printed.
func compareOutcome(t *testing.T, args ...string) (verdict, stdout string) {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command(binary, append([]string{"compare", "--out", out, "--candidate", binary}, args...)...)
	cmd.Env = append(os.Environ(), "CI=true")
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Verdict string }
	b, rerr := os.ReadFile(filepath.Join(out, "compare.json"))
	if rerr != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatalf("compare wrote no compare.json (exit %d): %v\nstdout:\n%s\nstderr:\n%s", code, rerr, so.String(), se.String())
	}
	want := map[string]int{"unchanged": 0, "improved": 0, "regressed": 1, "inconclusive": 3}[doc.Verdict]
	if code != want {
		t.Errorf("verdict %s but exit code %d (want %d)\n%s", doc.Verdict, code, want, se.String())
	}
	var junit struct {
		Tests int `xml:"tests,attr"`
		Cases []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite>testcase"`
	}
	x, _ := os.ReadFile(filepath.Join(out, "compare.junit.xml"))
	if err := xml.Unmarshal(x, &junit); err != nil || junit.Tests != 1 || junit.Cases[0].Name != "a short point-select load / postgresql/point-select" {
		t.Errorf("compare.junit.xml: %v %+v\n%s", err, junit, x)
	}
	if !strings.Contains(se.String(), "compare: candidate run 2 of 2") {
		t.Errorf("no progress line per run on stderr:\n%s", se.String())
	}
	return doc.Verdict, so.String()
}

func TestCompareAgainstRecordedResults(t *testing.T) {
	base := t.TempDir()
	for _, side := range []string{"1", "2"} {
		cmd := exec.Command(binary, "run", "testdata/short.feature", "--workdir", workDir(t), "--out", filepath.Join(base, side), "--no-colors")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("base run: %v\n%s", err, out)
		}
	}
	_, md := compareOutcome(t, "--base", base, "--runs", "2", "testdata/short.feature")
	if !strings.Contains(md, "### Baseline `a short point-select load / postgresql/point-select`") || !strings.Contains(md, "2 baseline runs, 2 candidate runs") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestCompareBuildsTheBaseAtAGitRefAndAlternates(t *testing.T) {
	if _, err := exec.Command("git", "rev-parse", "--verify", "HEAD").Output(); err != nil {
		t.Skipf("not in a git checkout with a commit (%v): --base REF needs one", err)
	}
	_, md := compareOutcome(t, "--base", "HEAD", "--runs", "2", "testdata/short.feature")
	// The runs alternated, so each round's two runs are compared as a pair.
	if !strings.Contains(md, "2 rounds of a baseline and a candidate run side by side, compared as pairs") {
		t.Errorf("markdown:\n%s", md)
	}
	// The base's worktree was made under this test's temporary folders: none may be left.
	// (Other worktrees of the repository come and go meanwhile.)
	root := filepath.Dir(t.TempDir())
	out, _ := exec.Command("git", "worktree", "list", "--porcelain").Output()
	for _, l := range strings.Split(string(out), "\n") {
		if p, ok := strings.CutPrefix(l, "worktree "); ok && strings.HasPrefix(p, root) {
			t.Errorf("the base worktree %s was not removed", p)
		}
	}
}

func TestCompareInputErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"testdata/short.feature"}, "--base is required"},
		{[]string{"--base", "HEAD"}, "name the feature files"},
		{[]string{"--base", "no-such-ref-or-file", "testdata/short.feature"}, "neither a result file or folder nor a git commit"},
		{[]string{"--base", "HEAD", "--runs", "0", "testdata/short.feature"}, "--runs must be at least 1"},
		{[]string{"--base", "HEAD", "missing.feature"}, "feature path missing.feature"},
	} {
		cmd := exec.Command(binary, append([]string{"compare", "--out", t.TempDir()}, c.args...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != cli.ExitUsage || !strings.Contains(string(out), c.want) {
			t.Errorf("compare %v: exit %v, want %d and %q in:\n%s", c.args, err, cli.ExitUsage, c.want, out)
		}
	}
}

// A base folder that holds an earlier compare's output gives its base runs only; a folder
// above such outputs passes over them, so candidate runs never count as base runs.
func TestCompareBaseFolderLeavesOutEarlierCandidates(t *testing.T) {
	root := t.TempDir()
	touch := func(rel string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"nightly/1/result.json", "nightly/2/result.json",
		"compare/compare.json", "compare/base-1/result.json", "compare/candidate-1/result.json"} {
		touch(f)
	}
	rel := func(files []string) []string {
		var out []string
		for _, f := range files {
			r, _ := filepath.Rel(root, f)
			out = append(out, r)
		}
		return out
	}
	var notes strings.Builder
	files, err := cli.ResultFiles(root, &notes)
	if err != nil || strings.Join(rel(files), " ") != "nightly/1/result.json nightly/2/result.json" {
		t.Errorf("from the top: %v, %v; want the nightly results only", rel(files), err)
	}
	if !strings.Contains(notes.String(), "output of an earlier compare") {
		t.Errorf("passing over the compare folder was not said: %q", notes.String())
	}
	files, err = cli.ResultFiles(filepath.Join(root, "compare"), &notes)
	if err != nil || strings.Join(rel(files), " ") != "compare/base-1/result.json" {
		t.Errorf("from a compare folder: %v, %v; want its base runs only", rel(files), err)
	}
}
