package ycsb

import (
	"errors"
	"strings"
	"testing"
)

func TestCoreWorkloadsParse(t *testing.T) {
	specs, err := Core()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ycsb-a": "read,update", "ycsb-b": "read,update", "ycsb-c": "read",
		"ycsb-d": "read,insert", "ycsb-e": "insert,scan", "ycsb-f": "read,read-modify-write"}
	if len(specs) != len(want) {
		t.Fatalf("core workloads = %d, want %d", len(specs), len(want))
	}
	for _, s := range specs {
		var ops []string
		for _, op := range s.Operations() {
			ops = append(ops, op.Name)
		}
		if got := strings.Join(ops, ","); got != want[s.Name] {
			t.Errorf("%s operations = %s, want %s", s.Name, got, want[s.Name])
		}
	}
}

func TestParseErrorsNameFileLineAndChoices(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"misspelt key", "name: x\nreadproportion: 1\nreqeustdistribution: zipfian\n",
			[]string{"w.yaml:3:", `unknown key "reqeustdistribution"`, `did you mean "requestdistribution"`, "valid keys:"}},
		{"proportions", "name: x\nreadproportion: 0.5\nupdateproportion: 0.4\n",
			[]string{"w.yaml:2:", "add up to 0.9, not 1"}},
		{"distribution", "name: x\nreadproportion: 1\nrequestdistribution: pareto\n",
			[]string{"w.yaml:3:", `unknown "pareto"`, "uniform", "zipfian"}},
		{"type", "name: x\nreadproportion: 1\nrecordcount: lots\n",
			[]string{"w.yaml:3:", "recordcount: want a whole number", `"lots"`}},
		{"duplicate", "name: x\nreadproportion: 1\nname: y\n",
			[]string{"w.yaml:3:", `key "name" given twice (first on line 1)`}},
		{"yaml", "name: x\n  readproportion: [1\n", []string{"w.yaml:", "not valid YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"w.yaml:1:", "mapping of YCSB properties"}},
		{"no name", "readproportion: 1\n", []string{"name: every workload needs a name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tc.file))
			if err == nil {
				t.Fatal("accepted")
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error is %T, want *FileError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Parse("w.yaml", []byte("name: x\nreadproportion: 1\nfieldcount: 0\ninsertorder: random\n"))
	if err == nil || !strings.Contains(err.Error(), "fieldcount") || !strings.Contains(err.Error(), "insertorder") {
		t.Errorf("err = %v, want both problems", err)
	}
}

func TestKeys(t *testing.T) {
	s := defaults()
	if a, b := s.Key(1), s.Key(2); a == b || !strings.HasPrefix(a, "user") {
		t.Errorf("hashed keys %q %q", a, b)
	}
	s.InsertOrder, s.ZeroPadding = "ordered", 5
	if got := s.Key(42); got != "user00042" {
		t.Errorf("ordered key = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"name: x\nreadproportion: 1\n",
		"name: a\nreadproportion: 0.5\nupdateproportion: 0.5\nrequestdistribution: zipfian\n",
		"name: e\nscanproportion: 0.95\ninsertproportion: 0.05\nmaxscanlength: 100\n",
		"- 1\n", "{", "name: [x]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		// Whatever parses must be a runnable mix.
		sum := 0.0
		for _, op := range s.Operations() {
			sum += op.Proportion
		}
		if sum < 0.999999 || sum > 1.000001 || s.Name == "" || s.RecordCount < 1 {
			t.Errorf("accepted an invalid spec: %+v", s)
		}
	})
}
