package ycsb

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Key is YCSB's record key for key number n: "user" followed by the FNV-1a 64-bit hash of n
// (insertorder hashed, so inserts do not all land at the end of an ordered index) or by n
// zero-padded (insertorder ordered).
func (s Spec) Key(n int64) string {
	if s.InsertOrder == "ordered" {
		return fmt.Sprintf("user%0*d", s.ZeroPadding, n)
	}
	h := int64(fnv64(uint64(n)))
	if h < 0 { // YCSB takes Math.abs of the signed hash
		h = -h
	}
	return "user" + strconv.FormatInt(h, 10)
}

// fnv64 is FNV-1a over the 8 bytes of v, as YCSB hashes key numbers.
func fnv64(v uint64) uint64 {
	const offset, prime = 0xCBF29CE484222325, 1099511628211
	h := uint64(offset)
	for range 8 {
		h ^= v & 0xff
		h *= prime
		v >>= 8
	}
	return h
}

// FieldName is the name of field i.
func FieldName(i int) string { return "field" + strconv.Itoa(i) }

// FieldNames lists the record's fields.
func (s Spec) FieldNames() []string {
	names := make([]string, s.FieldCount)
	for i := range names {
		names[i] = FieldName(i)
	}
	return names
}

// letters is what values are made of: printable, so every database stores them as text.
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Values makes a record's fields of the given lengths from rng.
func Values(names []string, lengths func() int, rng *rand.Rand) []Field {
	out := make([]Field, len(names))
	for i, name := range names {
		b := make([]byte, lengths())
		for j := range b {
			b[j] = letters[rng.IntN(len(letters))]
		}
		out[i] = Field{Name: name, Value: b}
	}
	return out
}
