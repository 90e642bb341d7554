// Package ycsb runs the YCSB core workloads (A to F and any mix written the same way) on
// every database that implements the core operations: read, update, insert, scan and
// read-modify-write. A workload is a declarative file with YCSB's own property names, so a
// YCSB user reads it at a glance; files are validated on load and every error names the file,
// the line and the valid choices.
package ycsb

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dbharness/dbharness/internal/nearest"
	"github.com/dbharness/dbharness/internal/yamlerr"
	"github.com/dbharness/dbharness/workloads/generators"
)

// Spec is one YCSB workload, with YCSB's property names and defaults.
type Spec struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Table       string `yaml:"table"`

	RecordCount    int64 `yaml:"recordcount"`
	OperationCount int64 `yaml:"operationcount"`

	FieldCount              int    `yaml:"fieldcount"`
	FieldLength             int    `yaml:"fieldlength"`
	FieldLengthDistribution string `yaml:"fieldlengthdistribution"`
	ReadAllFields           bool   `yaml:"readallfields"`
	WriteAllFields          bool   `yaml:"writeallfields"`

	ReadProportion            float64 `yaml:"readproportion"`
	UpdateProportion          float64 `yaml:"updateproportion"`
	InsertProportion          float64 `yaml:"insertproportion"`
	ScanProportion            float64 `yaml:"scanproportion"`
	ReadModifyWriteProportion float64 `yaml:"readmodifywriteproportion"`

	RequestDistribution    string  `yaml:"requestdistribution"`
	MinScanLength          int     `yaml:"minscanlength"`
	MaxScanLength          int     `yaml:"maxscanlength"`
	ScanLengthDistribution string  `yaml:"scanlengthdistribution"`
	InsertOrder            string  `yaml:"insertorder"`
	HotspotDataFraction    float64 `yaml:"hotspotdatafraction"`
	HotspotOpnFraction     float64 `yaml:"hotspotopnfraction"`
	ZeroPadding            int     `yaml:"zeropadding"`

	// File is where the spec was read from, for messages.
	File string `yaml:"-"`
}

// defaults are YCSB's CoreWorkload defaults.
func defaults() Spec {
	return Spec{
		Table: "usertable", RecordCount: 1000, FieldCount: 10, FieldLength: 100,
		FieldLengthDistribution: "constant", ReadAllFields: true,
		ReadProportion: 0.95, UpdateProportion: 0.05,
		RequestDistribution: "uniform", MinScanLength: 1, MaxScanLength: 1000,
		ScanLengthDistribution: "uniform", InsertOrder: "hashed",
		HotspotDataFraction: 0.2, HotspotOpnFraction: 0.8, ZeroPadding: 1,
	}
}

// The operation names, as they appear in results and checks.
const (
	OpRead            = "read"
	OpUpdate          = "update"
	OpInsert          = "insert"
	OpScan            = "scan"
	OpReadModifyWrite = "read-modify-write"
)

// Operations returns the operations of the mix with their proportions, in a fixed order,
// leaving out those with proportion 0.
func (s Spec) Operations() []Op {
	all := []Op{
		{OpRead, s.ReadProportion}, {OpUpdate, s.UpdateProportion}, {OpInsert, s.InsertProportion},
		{OpScan, s.ScanProportion}, {OpReadModifyWrite, s.ReadModifyWriteProportion},
	}
	var out []Op
	for _, op := range all {
		if op.Proportion > 0 {
			out = append(out, op)
		}
	}
	return out
}

// Op is one operation of the mix.
type Op struct {
	Name       string
	Proportion float64
}

// A FileError is a problem in a workload file, at a line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Parse reads a workload file. Unknown keys, values of the wrong type, proportions that do
// not add up to 1 and unknown distributions are errors naming the file, the line and the
// valid choices; all problems are reported at once.
func Parse(file string, data []byte) (Spec, error) {
	spec := defaults()
	spec.File = file
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return spec, &FileError{File: file, Line: yamlerr.Line(err), Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return spec, &FileError{File: file, Line: 1, Msg: "a workload file is a mapping of YCSB properties, like `readproportion: 0.5`"}
	}
	root := doc.Content[0]
	fields := fieldsByKey()
	lines := map[string]int{}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		idx, ok := fields[k.Value]
		if !ok {
			errs = append(errs, &FileError{File: file, Line: k.Line, Msg: fmt.Sprintf("unknown key %q%s; valid keys: %s",
				k.Value, didYouMean(k.Value, keys(fields)), strings.Join(keys(fields), ", "))})
			continue
		}
		if _, dup := lines[k.Value]; dup {
			errs = append(errs, &FileError{File: file, Line: k.Line, Msg: fmt.Sprintf("key %q given twice (first on line %d)", k.Value, lines[k.Value])})
			continue
		}
		lines[k.Value] = k.Line
		field := reflect.ValueOf(&spec).Elem().Field(idx)
		if err := v.Decode(field.Addr().Interface()); err != nil {
			errs = append(errs, &FileError{File: file, Line: v.Line, Msg: fmt.Sprintf("%s: want %s, got %q", k.Value, kindName(field.Kind()), v.Value)})
		}
	}
	if len(errs) == 0 {
		errs = spec.validate(lines)
	}
	return spec, errors.Join(errs...)
}

// validate checks the values; lines maps keys to where they were given, for messages.
func (s Spec) validate(lines map[string]int) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &FileError{File: s.File, Line: lines[key], Msg: key + ": " + fmt.Sprintf(format, args...)})
	}
	if s.Name == "" {
		bad("name", "every workload needs a name")
	}
	if s.RecordCount < 1 {
		bad("recordcount", "must be at least 1, got %d", s.RecordCount)
	}
	if s.OperationCount < 0 {
		bad("operationcount", "must not be negative, got %d", s.OperationCount)
	}
	if s.FieldCount < 1 || s.FieldCount > 100 {
		bad("fieldcount", "must be between 1 and 100, got %d", s.FieldCount)
	}
	if s.FieldLength < 1 || s.FieldLength > 1<<20 {
		bad("fieldlength", "must be between 1 and 1048576 bytes, got %d", s.FieldLength)
	}
	if !oneOf(s.FieldLengthDistribution, "constant", "uniform", "zipfian") {
		bad("fieldlengthdistribution", "unknown %q; valid: constant, uniform, zipfian", s.FieldLengthDistribution)
	}
	proportions := []struct {
		key string
		v   float64
	}{{"readproportion", s.ReadProportion}, {"updateproportion", s.UpdateProportion}, {"insertproportion", s.InsertProportion},
		{"scanproportion", s.ScanProportion}, {"readmodifywriteproportion", s.ReadModifyWriteProportion}}
	sum, first := 0.0, ""
	for _, p := range proportions {
		if math.IsNaN(p.v) || p.v < 0 || p.v > 1 {
			bad(p.key, "must be between 0 and 1, got %v", p.v)
		}
		sum += p.v
		if first == "" && lines[p.key] > 0 {
			first = p.key
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		if first == "" {
			first = "readproportion"
		}
		bad(first, "the proportions (read, update, insert, scan, read-modify-write) add up to %g, not 1", sum)
	}
	if !oneOf(s.RequestDistribution, generators.Distributions()...) {
		bad("requestdistribution", "unknown %q; valid: %s", s.RequestDistribution, strings.Join(generators.Distributions(), ", "))
	}
	if !oneOf(s.ScanLengthDistribution, "uniform", "zipfian") {
		bad("scanlengthdistribution", "unknown %q; valid: uniform, zipfian", s.ScanLengthDistribution)
	}
	if s.MinScanLength < 1 || s.MaxScanLength < s.MinScanLength {
		bad("maxscanlength", "need 1 <= minscanlength (%d) <= maxscanlength (%d)", s.MinScanLength, s.MaxScanLength)
	}
	if !oneOf(s.InsertOrder, "hashed", "ordered") {
		bad("insertorder", "unknown %q; valid: hashed, ordered", s.InsertOrder)
	}
	if s.HotspotDataFraction < 0 || s.HotspotDataFraction > 1 || s.HotspotOpnFraction < 0 || s.HotspotOpnFraction > 1 {
		bad("hotspotdatafraction", "hotspotdatafraction and hotspotopnfraction must be between 0 and 1")
	}
	if s.ZeroPadding < 1 || s.ZeroPadding > 32 {
		bad("zeropadding", "must be between 1 and 32, got %d", s.ZeroPadding)
	}
	if s.Table == "" || strings.ContainsAny(s.Table, " ;\"'`") {
		bad("table", "must be a plain identifier, got %q", s.Table)
	}
	return errs
}

func fieldsByKey() map[string]int {
	t := reflect.TypeOf(Spec{})
	m := map[string]int{}
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" && tag != "-" {
			m[tag] = i
		}
	}
	return m
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func oneOf(v string, choices ...string) bool {
	for _, c := range choices {
		if v == c {
			return true
		}
	}
	return false
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	default:
		return "text"
	}
}

// didYouMean suggests the known key closest to a misspelt one.
func didYouMean(k string, known []string) string {
	best := nearest.Names(k, known, 1)
	if len(best) == 0 || nearest.Levenshtein(k, best[0]) > 3 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best[0])
}
