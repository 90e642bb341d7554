package oracle

import (
	"slices"
	"strings"

	"github.com/dbharness/dbharness/engines/sqlscript"
)

// Script is how Oracle scripts split, as SQL*Plus splits them: a statement ends at ";" or
// at a line holding only "/"; PL/SQL (an anonymous block, or CREATE of a procedure,
// function, package, trigger or type) keeps its semicolons, ends at a "/" line (or the end
// of the script) and keeps the "END;" Oracle needs. Note: q'[...]' quoting is not read: a
// semicolon inside such a literal outside PL/SQL splits the statement.
var Script = sqlscript.Dialect{Batch: "/", BlockStart: IsPLSQL}

// plsqlUnits are what CREATE makes that SQL*Plus runs as a PL/SQL block.
var plsqlUnits = []string{"FUNCTION", "PROCEDURE", "PACKAGE", "TRIGGER", "TYPE", "LIBRARY", "JAVA"}

// IsPLSQL says whether a statement starting with head (upper case, single spaces) is PL/SQL:
// DECLARE, BEGIN, or CREATE [OR REPLACE] [EDITIONABLE|NONEDITIONABLE] of a PL/SQL unit.
func IsPLSQL(head string) bool {
	w := strings.Fields(strings.ToUpper(head))
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "DECLARE", "BEGIN":
		return true
	case "CREATE":
	default:
		return false
	}
	w = w[1:]
	if len(w) >= 2 && w[0] == "OR" && w[1] == "REPLACE" {
		w = w[2:]
	}
	if len(w) > 0 && (w[0] == "EDITIONABLE" || w[0] == "NONEDITIONABLE") {
		w = w[1:]
	}
	return len(w) > 0 && slices.Contains(plsqlUnits, w[0])
}
