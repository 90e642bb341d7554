package ycsb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Fingerprint is a hash of the spec's properties (not of the file's bytes: comments and
// key order do not change it), 12 hex digits.
func (w *workload) Fingerprint() string {
	s := w.spec
	s.File = ""
	b, err := json.Marshal(s)
	if err != nil { // a struct of plain fields always marshals
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
