// Package shape reduces Redis keys to key patterns and commands to command shapes, so that
// keys and slow commands can be counted by kind with a bounded number of groups.
//
// A key pattern keeps the words of a key and replaces its identifiers with {id}:
// "user:1234:session" and "user:98:session" both become "user:{id}:session". A command shape
// is the command name with its keys replaced by their patterns and its values by "?":
// "SET user:1234:session abc EX 60" becomes "SET user:{id}:session ? EX ?".
//
// Note: hand-written, because no Go library groups Redis keys; the rules follow what
// redis-rdb-tools and RedisInsight's key pattern view do (split at delimiters, replace
// numeric and hash-like segments).
package shape

import (
	"strings"
	"unicode/utf8"
)

// ID replaces an identifier segment in a key pattern.
const ID = "{id}"

// Any replaces a segment that had too many distinct values in one Group to be a word of the
// pattern (user names, e-mail addresses...).
const Any = "{*}"

// Other is the pattern (and shape) under which whatever exceeds a cap is counted.
const Other = "(other)"

// MaxPatternLen bounds a pattern, in bytes; a longer one is cut and ends with "…".
const MaxPatternLen = 200

// Key returns the pattern of a key. Segments are the runs of ASCII letters and digits (and
// non-ASCII text) between other characters; the separators are kept as they are. A segment
// becomes {id} when it is:
//   - all digits ("1234", "000042");
//   - a UUID (8-4-4-4-12 hex digits, matched across its dashes);
//   - hex of at least 8 characters with a digit in it ("5f3a9c0e", a SHA-1);
//   - at least 16 letters and digits with both in it (base62 tokens, ULIDs);
//   - not valid UTF-8 or holding control characters (binary ids).
//
// A segment of letters ending in 3 or more digits keeps its letters: "user6284781" becomes
// "user{id}" (YCSB's keys), "sha1" and "v2" stay as they are. A hash tag whose content is
// an identifier collapses to one {id}: "{1234}" becomes "{id}", not "{{id}}".
func Key(key string) string {
	var b strings.Builder
	b.Grow(min(len(key), MaxPatternLen+8))
	for i := 0; i < len(key); {
		if b.Len() > MaxPatternLen {
			return cut(b.String())
		}
		if n := uuidAt(key, i); n > 0 {
			b.WriteString(ID)
			i += n
			continue
		}
		if key[i] == '{' {
			if j := strings.IndexByte(key[i+1:], '}'); j >= 0 && j <= 64 {
				inner := key[i+1 : i+1+j]
				if p := Key(inner); p == ID {
					b.WriteString(ID)
					i += j + 2
					continue
				}
			}
		}
		if !isWord(key[i]) {
			b.WriteByte(key[i])
			i++
			continue
		}
		j := i
		for j < len(key) && isWord(key[j]) {
			j++
		}
		writeSegment(&b, key[i:j])
		i = j
	}
	if b.Len() > MaxPatternLen {
		return cut(b.String())
	}
	return b.String()
}

func cut(s string) string { return cutTo(s, MaxPatternLen) }

// isWord says whether a byte belongs to a segment: ASCII letters and digits and every
// non-ASCII byte (so UTF-8 text stays whole).
func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func writeSegment(b *strings.Builder, seg string) {
	// letters followed by a run of 3+ digits keep the letters, unless the whole segment
	// is a hex hash.
	k := len(seg)
	for k > 0 && isDigit(seg[k-1]) {
		k--
	}
	if len(seg)-k >= 3 && k > 0 && allLetters(seg[:k]) && !(len(seg) >= 8 && allHex(seg)) {
		b.WriteString(seg[:k])
		b.WriteString(ID)
		return
	}
	if isID(seg) {
		b.WriteString(ID)
		return
	}
	b.WriteString(seg)
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isID(seg string) bool {
	if seg == "" {
		return false
	}
	digits, letters, hex := 0, 0, true
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case isDigit(c):
			digits++
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			letters++
		case c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z':
			letters++
			hex = false
		case c >= 0x80:
			hex = false
			letters++
		default:
			hex = false
		}
	}
	switch {
	case digits == len(seg):
		return true
	case !utf8.ValidString(seg) || hasControl(seg):
		return true
	case hex && len(seg) >= 8 && digits > 0:
		return true
	case len(seg) >= 16 && digits > 0 && letters > 0 && digits+letters == len(seg) && isASCII(seg):
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// uuidAt returns 36 when a UUID starts at key[i] and is not part of a longer word, else 0.
func uuidAt(key string, i int) int {
	const n = 36
	if i+n > len(key) || (i > 0 && isWord(key[i-1])) || (i+n < len(key) && isWord(key[i+n])) {
		return 0
	}
	for k := 0; k < n; k++ {
		c := key[i+k]
		switch k {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
		default:
			if !(isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return 0
			}
		}
	}
	return n
}
