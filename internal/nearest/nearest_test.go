package nearest

import "testing"

func TestNamesFindsTyposAndFragments(t *testing.T) {
	known := []string{"postgresql_xact_commit_total", "postgresql_xact_rollback_total", "postgresql_backends", "redis_commands_total"}
	for query, want := range map[string]string{
		"postgresql_xact_comit_total": "postgresql_xact_commit_total",
		"xact_commit":                 "postgresql_xact_commit_total",
		"BACKENDS":                    "postgresql_backends",
		"rollback":                    "postgresql_xact_rollback_total",
	} {
		if got := Names(query, known, 1); len(got) != 1 || got[0] != want {
			t.Errorf("Names(%q) = %v, want %s", query, got, want)
		}
	}
	if got := Names("x", known, 10); len(got) != len(known) {
		t.Errorf("n larger than the candidates: %v", got)
	}
	if Names("x", nil, 3) != nil || Names("x", known, 0) != nil {
		t.Error("no candidates or n=0 should give nil")
	}
}

func TestLevenshtein(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}} {
		if got := Levenshtein(tc.a, tc.b); got != tc.d {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}
