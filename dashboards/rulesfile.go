package dashboards

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"gopkg.in/yaml.v3"
)

type ruleFile struct {
	Groups []ruleGroup `yaml:"groups"`
}

type ruleGroup struct {
	Name  string     `yaml:"name"`
	Rules []yamlRule `yaml:"rules"`
}

type yamlRule struct {
	Record      string            `yaml:"record,omitempty"`
	Alert       string            `yaml:"alert,omitempty"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// RulesYAML writes the rules as a Prometheus rule file, one group per database (and one for
// the anomalies and the scenarios), in the order the rules come.
func RulesYAML(rules []Rule) ([]byte, error) {
	var f ruleFile
	index := map[string]int{}
	for _, r := range rules {
		i, ok := index[r.Group]
		if !ok {
			i = len(f.Groups)
			index[r.Group] = i
			f.Groups = append(f.Groups, ruleGroup{Name: r.Group})
		}
		y := yamlRule{Record: r.Record, Alert: r.Alert, Expr: r.Expr, Labels: r.Labels, Annotations: r.Annotations}
		if r.Alert != "" {
			y.For = promDuration(r.For)
		}
		f.Groups[i].Rules = append(f.Groups[i].Rules, y)
	}
	return marshalYAML(f)
}

func marshalYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# " + generatedNote + "\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// promDuration writes a duration as Prometheus reads it: 5m, 90s, 0s.
func promDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
