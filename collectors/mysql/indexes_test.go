package mysql

import (
	"strings"
	"testing"
)

func TestRedundantIndexes(t *testing.T) {
	ix := func(name string, unique bool, cols ...string) index {
		return index{table: "s.t", name: name, unique: unique, btree: true, columns: cols}
	}
	got := map[string]string{}
	for _, r := range redundant([]index{
		ix("PRIMARY", true, "id"),
		ix("a", false, "a"),          // covered by ab
		ix("ab", false, "a", "b"),    // covers a
		ix("id_k", false, "id", "k"), // not covered: longer than PRIMARY
		ix("k", false, "k"),          // duplicate of k2 (the later name goes)
		ix("k2", false, "k"),         // kept
		ix("u_a", true, "a"),         // unique: a longer index does not enforce it
		ix("pk_copy", true, "id"),    // a unique duplicate of PRIMARY
		ix("plain_id", false, "id"),  // covered by PRIMARY
	}) {
		got[r.index.name] = r.by.name
	}
	want := map[string]string{"a": "ab", "k2": "k", "pk_copy": "PRIMARY", "plain_id": "PRIMARY"}
	for name, by := range want {
		if got[name] != by {
			t.Errorf("%s: covered by %q, want %q (all: %v)", name, got[name], by, got)
		}
	}
	for _, name := range []string{"PRIMARY", "ab", "id_k", "k", "u_a"} {
		if by, ok := got[name]; ok {
			t.Errorf("%s reported redundant (covered by %s)", name, by)
		}
	}
}

func TestSettingsAreValidated(t *testing.T) {
	if o, err := parseSettings(map[string]string{SettingStatementsLimit: "5", SettingExaminedRatio: "2.5"}); err != nil || o.statementsLimit != 5 || o.examinedRatio != 2.5 {
		t.Errorf("parseSettings = %+v, %v", o, err)
	}
	for k, v := range map[string]string{SettingStatementsLimit: "0", SettingExaminedRatio: "0.5", "statements.typo": "1", SettingQueryLength: "x"} {
		if _, err := parseSettings(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("setting %s=%s: %v, want an error naming it", k, v, err)
		}
	}
}
