package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// An info is one INFO reply: its lines in order, by section, and its fields by name.
type info struct {
	lines  []infoLine
	fields map[string]string
}

type infoLine struct {
	section, key, value string
}

// parseInfo reads an INFO reply. Section headers ("# Memory") name the section (lower
// case) of the lines below them; lines without a colon are ignored, as are blank ones.
func parseInfo(s string) info {
	in := parseInfoLines(s)
	in.fields = make(map[string]string, len(in.lines))
	lines := in.lines[:0]
	for _, l := range in.lines {
		if _, dup := in.fields[l.key]; dup {
			continue // a server never repeats a field; keep the first, as a reader would
		}
		in.fields[l.key] = l.value
		lines = append(lines, l)
	}
	in.lines = lines
	return in
}

// parseInfoLines reads an INFO reply into lines only, for readers that walk a section.
func parseInfoLines(s string) info {
	in := info{lines: make([]infoLine, 0, strings.Count(s, "\n")+1)}
	section := ""
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == '#' {
			section = strings.ToLower(strings.TrimSpace(line[1:]))
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		in.lines = append(in.lines, infoLine{section, k, v})
	}
	return in
}

// infoNumber reads one numeric field of an INFO reply without parsing the rest.
func infoNumber(s, field string) (float64, bool) {
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// number reads a numeric field.
func (in info) number(field string) (float64, bool) {
	v, ok := in.fields[field]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return f, err == nil
}

// subfield returns the value of key in a "k=v,k=v" INFO value (cmdstat_*, db0, slave0).
func subfield(v, key string) (string, bool) {
	for len(v) > 0 {
		var kv string
		if i := strings.IndexByte(v, ','); i >= 0 {
			kv, v = v[:i], v[i+1:]
		} else {
			kv, v = v, ""
		}
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			return val, true
		}
	}
	return "", false
}

func subnumber(v, key string) (float64, bool) {
	s, ok := subfield(v, key)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// An infoField maps one INFO field to its metric. The metric's Source names the field.
type infoField struct {
	field string
	// value converts the field; nil reads a number and multiplies it by scale.
	value  func(string) (float64, bool)
	scale  float64
	metric catalog.Metric
}

// infoFields are every INFO field with a metric, registered by the info_*.go files.
var infoFields []infoField

// registerInfo declares the metrics of one INFO section's fields.
func registerInfo(fields ...infoField) {
	for _, f := range fields {
		catalog.Register(f.metric)
	}
	infoFields = append(infoFields, fields...)
}

// field builds an infoField of a numeric field.
func field(section, name, metric string, t catalog.Type, unit catalog.Unit, scale float64, help string) infoField {
	return infoField{
		field:  name,
		scale:  scale,
		metric: nodeMetric(metric, t, unit, "INFO "+section+" "+name, help),
	}
}

// statusField builds an infoField that is 1 when the field reads want ("ok", "up") and 0
// otherwise.
func statusField(section, name, want, metric, help string) infoField {
	return infoField{
		field: name,
		value: func(v string) (float64, bool) {
			if v == want {
				return 1, true
			}
			return 0, true
		},
		metric: nodeMetric(metric, catalog.Gauge, catalog.None, "INFO "+section+" "+name, help),
	}
}

// infoEmitters emit the metrics of sections whose fields are not fixed (commandstats,
// keyspace, ...); registered by the info_*.go files.
var infoEmitters []func(in info, labels []string, e *collectors.Emitter) error

var metricUp = nodeMetric("redis_up", catalog.Gauge, catalog.None, "INFO",
	"Whether the node answered INFO in the last scrape (1) or not (0).")

func init() { catalog.Register(metricUp) }

// infoSource scrapes INFO ALL: every section of the server (with commandstats, errorstats
// and latencystats) in one round trip. A sentinel answers the sections it has.
type infoSource struct{}

func (infoSource) Name() string            { return "info" }
func (infoSource) appliesTo(m member) bool { return true }

func (infoSource) skipped(labels []string, e *collectors.Emitter) {
	_ = e.Emit(metricUp.Name, 0, labels...)
}

func (infoSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	s, err := n.client.Info(ctx, "all").Result()
	if err != nil {
		_ = e.Emit(metricUp.Name, 0, labels...)
		return fmt.Errorf("INFO ALL: %w", explain(n.addr, err))
	}
	if err := e.Emit(metricUp.Name, 1, labels...); err != nil {
		return err
	}
	return emitInfo(parseInfo(s), labels, e)
}

// emitInfo emits every metric an INFO reply feeds.
func emitInfo(in info, labels []string, e *collectors.Emitter) error {
	for _, f := range infoFields {
		raw, ok := in.fields[f.field]
		if !ok {
			continue
		}
		var v float64
		if f.value != nil {
			v, ok = f.value(raw)
		} else {
			var err error
			v, err = strconv.ParseFloat(strings.TrimSpace(raw), 64)
			ok = err == nil
			if f.scale != 0 {
				v *= f.scale
			}
		}
		if !ok {
			continue
		}
		if err := e.Emit(f.metric.Name, v, labels...); err != nil {
			return err
		}
	}
	for _, emit := range infoEmitters {
		if err := emit(in, labels, e); err != nil {
			return err
		}
	}
	return nil
}

// withLabels returns labels followed by extra, in a new slice.
func withLabels(labels []string, extra ...string) []string {
	out := make([]string, 0, len(labels)+len(extra))
	return append(append(out, labels...), extra...)
}
