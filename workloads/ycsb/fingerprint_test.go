package ycsb

import "testing"

func TestFingerprintFollowsThePropertiesNotTheText(t *testing.T) {
	parse := func(text string) string {
		t.Helper()
		s, err := Parse("w.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return (&workload{spec: s}).Fingerprint()
	}
	a := parse("name: a\nreadproportion: 0.5\nupdateproportion: 0.5\n")
	reordered := parse("# the same workload, written differently\nupdateproportion: 0.5\nname: a\nreadproportion: 0.50\n")
	changed := parse("name: a\nreadproportion: 0.6\nupdateproportion: 0.4\n")
	if len(a) != 12 || a != reordered {
		t.Errorf("fingerprints %q and %q of the same properties differ (or are not 12 hex digits)", a, reordered)
	}
	if a == changed {
		t.Errorf("a changed mix kept the fingerprint %q", a)
	}
}
