package mysql

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A Position is the set of transactions a server has: MariaDB's GTID position
// (gtid_binlog_pos, gtid_slave_pos: "domain-server-seq" per replication domain, the
// highest sequence number of each) or MySQL's GTID set (gtid_executed:
// "uuid:1-100:105,uuid:1-7"). Compare positions of the same flavor only.
type Position struct {
	domains map[uint32]uint64      // MariaDB: domain id -> highest sequence number
	sets    map[string][][2]uint64 // MySQL: source uuid -> ascending closed intervals
}

// ParseMariaDBPosition reads a MariaDB GTID position list. A domain listed more than once
// (gtid_binlog_pos keeps one entry per server id) counts with its highest sequence number.
func ParseMariaDBPosition(s string) (Position, error) {
	p := Position{domains: map[uint32]uint64{}}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return Position{}, fmt.Errorf("GTID %q: want domain-server-sequence", part)
		}
		d, err1 := strconv.ParseUint(f[0], 10, 32)
		_, err2 := strconv.ParseUint(f[1], 10, 32)
		seq, err3 := strconv.ParseUint(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return Position{}, fmt.Errorf("GTID %q: want three numbers, domain-server-sequence", part)
		}
		if cur, ok := p.domains[uint32(d)]; !ok || seq > cur {
			p.domains[uint32(d)] = seq
		}
	}
	return p, nil
}

// ParseMySQLGTIDSet reads a MySQL GTID set (newlines, as SHOW output wraps them, are
// ignored). Tagged GTIDs of MySQL 8.3+ (uuid:tag:1-5) count under uuid:tag.
func ParseMySQLGTIDSet(s string) (Position, error) {
	p := Position{sets: map[string][][2]uint64{}}
	s = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(s)
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		f := strings.Split(part, ":")
		if len(f) < 2 {
			return Position{}, fmt.Errorf("GTID set %q: want uuid:interval[:interval...]", part)
		}
		source := f[0]
		for _, iv := range f[1:] {
			lo, hi, isRange := strings.Cut(iv, "-")
			a, err := strconv.ParseUint(lo, 10, 64)
			if err != nil {
				// a tag: it names the source together with the uuid
				source += ":" + iv
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
					return Position{}, fmt.Errorf("GTID set %q: interval %q is not n-m with n <= m", part, iv)
				}
			}
			p.sets[source] = append(p.sets[source], [2]uint64{a, b})
		}
	}
	for k, ivs := range p.sets {
		p.sets[k] = mergeIntervals(ivs)
	}
	return p, nil
}

func mergeIntervals(ivs [][2]uint64) [][2]uint64 {
	slices.SortFunc(ivs, func(a, b [2]uint64) int { return cmp.Compare(a[0], b[0]) })
	var out [][2]uint64
	for _, iv := range ivs {
		if n := len(out); n > 0 && iv[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], iv[1])
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Missing counts the transactions p has that other lacks: how far a replica at other is
// behind a primary at p. On MariaDB it is the sequence numbers between the two, per domain.
func (p Position) Missing(other Position) int64 {
	var n int64
	for d, seq := range p.domains {
		if have := other.domains[d]; seq > have {
			n += int64(seq - have)
		}
	}
	for src, ivs := range p.sets {
		for _, iv := range ivs {
			n += int64(iv[1]-iv[0]+1) - overlap(iv, other.sets[src])
		}
	}
	return n
}

// overlap counts the numbers of iv that the intervals have.
func overlap(iv [2]uint64, ivs [][2]uint64) int64 {
	var n int64
	for _, o := range ivs {
		lo, hi := max(iv[0], o[0]), min(iv[1], o[1])
		if lo <= hi {
			n += int64(hi - lo + 1)
		}
	}
	return n
}

// Empty says whether the position holds no transaction.
func (p Position) Empty() bool { return len(p.domains) == 0 && len(p.sets) == 0 }

// String writes a MariaDB position as domain-0-seq (the server id is not kept) or a MySQL
// set as uuid:a-b, sorted.
func (p Position) String() string {
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(p.domains)) {
		parts = append(parts, fmt.Sprintf("%d-0-%d", d, p.domains[d]))
	}
	for _, src := range slices.Sorted(maps.Keys(p.sets)) {
		s := src
		for _, iv := range p.sets[src] {
			if iv[0] == iv[1] {
				s += fmt.Sprintf(":%d", iv[0])
			} else {
				s += fmt.Sprintf(":%d-%d", iv[0], iv[1])
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}
