package databases_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	_ "github.com/dbharness/dbharness/databases"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
)

// root is the repository, where features/, docs/ and the Makefile are.
const root = ".."

// missing lists what docs/adding-a-database.md asks of a database that name lacks.
func missing(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	lack := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	eng, err := engines.Lookup(name)
	if err != nil {
		return []string{err.Error()}
	}
	d := eng.Describe()
	if !slices.Contains(collectors.Databases(), name) {
		lack("no collector: collectors/<package> must call collectors.Register(%q, ...)", name)
	}
	if len(catalog.ForDatabase(name)) == 0 {
		lack("no metric in the catalog for %s: declare them with catalog.Register", name)
	}
	if len(workloads.Names(name)) == 0 {
		lack("no workload: workloads/<package> must call workloads.Register for %s", name)
	}
	if len(workloads.DatasetNames(name)) == 0 {
		lack("no dataset: workloads/<package> must call workloads.RegisterDataset for %s", name)
	}
	if d.ExporterPort == 0 {
		lack("Description.ExporterPort is 0: name the port of the database's usual Prometheus exporter")
	}
	if len(d.Requires) == 0 && !errors.Is(eng.Check(context.Background(), engines.ProviderNative), engines.ErrNoProvider) {
		lack("Description.Requires is empty, but the engine has a native provider: declare what it needs installed")
	}
	features, _ := filepath.Glob(filepath.Join(root, "features", name, "*.feature"))
	if len(features) == 0 {
		lack("no feature file in features/%s/", name)
	}
	for _, f := range features {
		if b, err := os.ReadFile(f); err != nil || !featureTagged(string(b), name) {
			lack("%s is not tagged @%s on its Feature line", f, name)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "docs", "databases", name+".md")); err != nil {
		lack("no docs page docs/databases/%s.md", name)
	}
	if mk, err := os.ReadFile(filepath.Join(root, "Makefile")); err != nil || !regexp.MustCompile(`(?m)^bench-`+regexp.QuoteMeta(name)+`:`).Match(mk) {
		lack("no `make bench-%s` target (the benchmark against the database's peer tool)", name)
	}
	return out
}

// featureTagged says whether a feature file's tags (the lines before Feature:) name tag.
func featureTagged(text, tag string) bool {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Feature:") {
			return false
		}
		if strings.HasPrefix(line, "@") && slices.Contains(strings.Fields(line), "@"+tag) {
			return true
		}
	}
	return false
}

func TestEveryDatabaseFollowsTheRecipe(t *testing.T) {
	names := engines.Names()
	if len(names) < 2 {
		t.Fatalf("only %v registered: is databases.go importing every database?", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			for _, m := range missing(t, name) {
				t.Error(m)
			}
		})
	}
}

// The check is not one that passes on nothing: a database with an engine and nothing else
// is told everything it lacks.
func TestTheRecipeCheckFindsWhatIsMissing(t *testing.T) {
	engines.Register(bareEngine{})
	got := strings.Join(missing(t, "zz-bare"), "\n")
	for _, want := range []string{"no collector", "no metric in the catalog", "no workload", "no dataset",
		"ExporterPort", "Requires", "features/zz-bare/", "docs/databases/zz-bare.md", "bench-zz-bare"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing(zz-bare) does not say %q:\n%s", want, got)
		}
	}
}

// Every feature file names the database it runs on, so `--tags @<database>` selects it.
func TestEveryFeatureIsTaggedWithItsDatabase(t *testing.T) {
	err := filepath.WalkDir(filepath.Join(root, "features"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".feature") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(engines.Names(), func(n string) bool { return featureTagged(string(b), n) }) {
			t.Errorf("%s carries no database tag (one of @%s)", path, strings.Join(engines.Names(), ", @"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type bareEngine struct{}

func (bareEngine) Name() string { return "zz-bare" }
func (bareEngine) Describe() engines.Description {
	return engines.Description{Display: "Bare", Flavors: []engines.Flavor{{Name: "zz-bare"}}}
}
func (bareEngine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "Bare", map[engines.Provider]func() error{engines.ProviderNative: func() error { return nil }})
}
func (bareEngine) Start(context.Context, engines.Spec) (engines.Instance, error) {
	return nil, errors.New("bare")
}
