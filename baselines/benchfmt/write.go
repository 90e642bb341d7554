package benchfmt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// KV is one configuration line, "Key: Value". Keys start with a lower-case letter and hold
// no spaces, upper-case letters or colons (the format's rule).
type KV struct {
	Key, Value string
}

// Value is one measurement of a run, in a unit such as "ns/op".
type Value struct {
	Value float64
	Unit  string
}

// Run is one benchmark line: the measurements of one operation in one run.
type Run struct {
	// Name is the full benchmark name, "Benchmark" followed by the rest, with no spaces
	// ("BenchmarkTPCB/transfer"); Name builds one.
	Name string
	// Iters is the iteration count: the operations the values are averaged over.
	Iters int64
	// Values are written in order; each unit at most once.
	Values []Value
}

// Write writes the configuration lines, unit metadata for the units this package defines
// (which way is better), and one line per run. It checks what the format cannot carry
// (bad keys, line breaks, spaces in names or units, values that are not finite) and writes
// nothing when any of it is wrong.
func Write(w io.Writer, cfg []KV, runs []Run) error {
	if err := validate(cfg, runs); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, kv := range cfg {
		fmt.Fprintf(bw, "%s: %s\n", kv.Key, kv.Value)
	}
	for _, u := range usedUnits(runs) {
		if b := better(u); b != "" {
			fmt.Fprintf(bw, "Unit %s better=%s\n", u, b)
		}
	}
	for _, r := range runs {
		bw.WriteString(r.Name)
		bw.WriteByte('\t')
		bw.WriteString(strconv.FormatInt(r.Iters, 10))
		for _, v := range r.Values {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatFloat(v.Value, 'f', -1, 64))
			bw.WriteByte(' ')
			bw.WriteString(v.Unit)
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write benchmark results: %w", err)
	}
	return nil
}

// validate reports everything in cfg and runs that the format cannot carry.
func validate(cfg []KV, runs []Run) error {
	var errs []error
	for _, kv := range cfg {
		if err := checkKey(kv.Key); err != nil {
			errs = append(errs, err)
		}
		if kv.Value == "" || strings.ContainsAny(kv.Value, "\r\n") {
			// Note: an empty value would delete the key for the reader.
			errs = append(errs, fmt.Errorf("configuration %q: value %q is empty or spans lines", kv.Key, kv.Value))
		}
	}
	for _, r := range runs {
		if !strings.HasPrefix(r.Name, "Benchmark") || strings.IndexFunc(r.Name, unicode.IsSpace) >= 0 {
			errs = append(errs, fmt.Errorf("run name %q must start with Benchmark and hold no spaces", r.Name))
		}
		if r.Iters < 1 {
			errs = append(errs, fmt.Errorf("run %s: iteration count %d must be at least 1", r.Name, r.Iters))
		}
		if len(r.Values) == 0 {
			errs = append(errs, fmt.Errorf("run %s has no values", r.Name))
		}
		seen := map[string]bool{}
		for _, v := range r.Values {
			if v.Unit == "" || strings.IndexFunc(v.Unit, unicode.IsSpace) >= 0 || seen[v.Unit] {
				errs = append(errs, fmt.Errorf("run %s: unit %q is empty, holds spaces or repeats", r.Name, v.Unit))
			}
			seen[v.Unit] = true
			if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
				errs = append(errs, fmt.Errorf("run %s: %s is %v", r.Name, v.Unit, v.Value))
			}
		}
	}
	return errors.Join(errs...)
}

// checkKey applies the format's rule for configuration keys.
func checkKey(key string) error {
	for i, r := range key {
		if (i == 0 && !unicode.IsLower(r)) || unicode.IsSpace(r) || unicode.IsUpper(r) || r == ':' {
			return fmt.Errorf("configuration key %q must start with a lower-case letter and hold no spaces, upper-case letters or colons", key)
		}
	}
	if key == "" {
		return errors.New("empty configuration key")
	}
	return nil
}

// usedUnits lists the units of runs in order of first use.
func usedUnits(runs []Run) []string {
	var units []string
	seen := map[string]bool{}
	for _, r := range runs {
		for _, v := range r.Values {
			if !seen[v.Unit] {
				seen[v.Unit] = true
				units = append(units, v.Unit)
			}
		}
	}
	return units
}
