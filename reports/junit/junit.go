// Package junit writes JUnit XML, the test report format CI systems (Jenkins, GitLab, GitHub
// test reporters, Buildkite) read. It holds only the document's shape; what goes into it is
// decided by the callers (the run report and the baseline comparison).
//
// Note: written by hand over encoding/xml because the format is a handful of elements and
// the Go libraries for it only convert `go test` output.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dbharness/dbharness/result"
)

// Suites is the document: every suite of one invocation.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     Seconds  `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one group of cases: a feature file, or one comparison.
type Suite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       Seconds    `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Properties []Property `xml:"properties>property,omitempty"`
	Cases      []Case     `xml:"testcase"`
}

// Case is one test case: a scenario, or one measure of a comparison.
type Case struct {
	Name       string     `xml:"name,attr"`
	Classname  string     `xml:"classname,attr"`
	Time       Seconds    `xml:"time,attr"`
	Properties []Property `xml:"properties>property,omitempty"`
	Failure    *Problem   `xml:"failure,omitempty"`
	Error      *Problem   `xml:"error,omitempty"`
	Skipped    *Problem   `xml:"skipped,omitempty"`
	SystemOut  string     `xml:"system-out,omitempty"`
}

// Property is one name/value pair: a verdict, a measure, a setting.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Problem is a failure, an error or a skip: a one-line message and the full text.
type Problem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Seconds is a duration written as JUnit wants it: decimal seconds.
type Seconds time.Duration

// MarshalXMLAttr writes the duration in seconds with millisecond precision.
func (s Seconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: strconv.FormatFloat(time.Duration(s).Seconds(), 'f', 3, 64)}, nil
}

// Add counts c into the suite's totals and appends it.
func (s *Suite) Add(c Case) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
	s.Time += c.Time
}

// Add counts s into the document's totals and appends it.
func (d *Suites) Add(s Suite) {
	d.Suites = append(d.Suites, s)
	d.Tests += s.Tests
	d.Failures += s.Failures
	d.Errors += s.Errors
	d.Skipped += s.Skipped
	d.Time += s.Time
}

// Write writes the document with its XML header.
func Write(w io.Writer, d *Suites) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("encode junit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ComparisonProperties are a regression-gate verdict as properties: prefix+"verdict", and
// prefix+"<operation>.<measure>" for each measure ("all" for every operation merged).
func ComparisonProperties(prefix string, c result.Comparison) []Property {
	props := []Property{{Name: prefix + "verdict", Value: c.Verdict}}
	for _, m := range c.Measures {
		op := m.Operation
		if op == "*" {
			op = "all"
		}
		props = append(props, Property{Name: prefix + op + "." + m.Measure, Value: fmt.Sprintf("%s %s (p %s)", m.Verdict, m.Delta, m.P)})
	}
	return props
}
