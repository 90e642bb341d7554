package querytext

import "testing"

func TestLikeIgnoresQuotingSpacingCaseAndLiterals(t *testing.T) {
	for _, c := range []struct {
		text, fragment string
		want           bool
	}{
		{"UPDATE `ledger_accounts` SET `balance` = `balance` - ? WHERE `id` = ?", "UPDATE ledger_accounts SET balance", true},
		{"UPDATE `ledger_accounts` SET `balance` = `balance` - ? WHERE `id` = ?", "update ledger_accounts set balance = balance - 10", true},
		{"SELECT c FROM sbtest1 WHERE id=?", "SELECT c FROM sbtest1 WHERE id = 42", true},
		{"SELECT `c` FROM `dbharness` . `sbtest1` WHERE `id` = ?", "FROM dbharness.sbtest1", true},
		{`SELECT "a" FROM "t"`, "select a from t", true},
		{"SELECT c FROM sbtest1 WHERE id=?", "SELECT c FROM sbtest2", false},
		{"SELECT c FROM sbtest10 WHERE id=?", "FROM sbtest1 ", false},
		{"SELECT c FROM t", "", false},
		{"SELECT c FROM t", "   ", false},
	} {
		if got := Like(c.text, c.fragment); got != c.want {
			t.Errorf("Like(%q, %q) = %v, want %v", c.text, c.fragment, got, c.want)
		}
	}
}
