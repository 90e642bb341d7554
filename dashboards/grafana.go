package dashboards

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// GrafanaWindow is the rate window of Grafana queries: Grafana picks it from the scrape
// interval and the zoom.
const GrafanaWindow = "$__rate_interval"

// datasource is the dashboards' Prometheus, chosen with the datasource variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// Grafana writes a dashboard as Grafana's dashboard JSON.
func Grafana(d Dashboard) ([]byte, error) {
	b := dashboard.NewDashboardBuilder(d.Title).Uid(d.Name).Description(d.Description+" "+generatedNote).
		Tags(d.Tags).Time("now-1h", "now").Refresh("10s").Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).Readonly().
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus"))
	for _, v := range d.Vars {
		b.WithVariable(grafanaVariable(v))
	}
	if d.LoadMarks {
		b.Annotation(dashboard.NewAnnotationQueryBuilder().Name("Workload runs").Enable(true).IconColor("rgba(255, 120, 0, 0.6)").
			Datasource(datasource).Expr(LoadMarksExpr().PromQL(GrafanaWindow)).TitleFormat("{{scenario}}: {{workload}} running").
			Step("10s"))
	}
	id := uint32(0)
	for _, r := range d.Rows {
		id++
		b.WithRow(dashboard.NewRowBuilder(r.Title).Id(id))
		for _, p := range r.Panels {
			id++
			b.WithPanel(grafanaPanel(p, id))
		}
	}
	built, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("grafana dashboard %s: %w", d.Name, err)
	}
	out, err := json.MarshalIndent(built, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// LoadMarksExpr selects the workload runs going on: the annotations that mark them.
func LoadMarksExpr() Expr {
	return Expr{Kind: Value, Of: []string{loadmetrics.MetricRunning}, By: []string{"database", "scenario", "workload"}, Agg: catalog.Max,
		Match: []Matcher{Var("scenario", "scenario")}}
}

func grafanaVariable(v Variable) cog.Builder[dashboard.VariableModel] {
	all := dashboard.VariableOption{Selected: cog.ToPtr(true), Text: dashboard.StringOrArrayOfString{String: cog.ToPtr("All")},
		Value: dashboard.StringOrArrayOfString{String: cog.ToPtr("$__all")}}
	if len(v.Values) > 0 {
		return dashboard.NewCustomVariableBuilder(v.Name).Label(v.Label).Values(dashboard.StringOrMap{String: cog.ToPtr(strings.Join(v.Values, ","))}).
			Multi(true).IncludeAll(true).AllValue(".*").Current(all)
	}
	query := fmt.Sprintf("label_values(%s)", v.Of)
	if v.Metric != "" {
		query = fmt.Sprintf("label_values(%s, %s)", v.Metric, v.Of)
	}
	return dashboard.NewQueryVariableBuilder(v.Name).Label(v.Label).Datasource(datasource).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).IncludeAll(true).AllValue(".*").Current(all)
}

func grafanaTargets(p Panel) []cog.Builder[variants.Dataquery] {
	var out []cog.Builder[variants.Dataquery]
	for i, q := range p.Queries {
		t := prometheus.NewDataqueryBuilder().Expr(q.Expr.PromQL(GrafanaWindow)).LegendFormat(legend(p, q)).
			RefId(string(rune('A' + i))).Datasource(datasource)
		if p.Kind != TimeSeries {
			t.Instant()
		}
		out = append(out, t)
	}
	return out
}

// legend names a query's series: its labels as {{label}}, or its name.
func legend(p Panel, q Query) string {
	if q.Name != "" {
		return q.Name
	}
	if len(q.Legend) == 0 {
		return p.Title
	}
	parts := make([]string, len(q.Legend))
	for i, l := range q.Legend {
		if strings.HasPrefix(l, "p") && !strings.Contains(l, "_") && len(l) <= 4 {
			parts[i] = l // a percentile's name, not a label
		} else {
			parts[i] = "{{" + l + "}}"
		}
	}
	return strings.Join(parts, " ")
}

// grafanaUnit is Grafana's unit for a panel's values.
func grafanaUnit(p Panel) string {
	switch {
	case p.Unit == catalog.Seconds && p.PerSecond:
		return "percentunit" // seconds per second: the share of one core or of the time
	case p.Unit == catalog.Seconds:
		return "s"
	case p.Unit == catalog.Bytes && p.PerSecond:
		return "Bps"
	case p.Unit == catalog.Bytes:
		return "bytes"
	case p.Unit == catalog.Ratio:
		return "percentunit"
	case p.PerSecond:
		return "ops"
	}
	return "short"
}

func grafanaThresholds(p Panel) cog.Builder[dashboard.ThresholdsConfig] {
	green, red := "green", "red"
	steps := []dashboard.Threshold{{Value: nil, Color: green}}
	if l := p.Limit; l != nil {
		if l.Above {
			steps = append(steps, dashboard.Threshold{Value: cog.ToPtr(l.Value), Color: red})
		} else {
			steps = []dashboard.Threshold{{Value: nil, Color: red}, {Value: cog.ToPtr(l.Value), Color: green}}
		}
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

func grafanaPanel(p Panel, id uint32) cog.Builder[dashboard.Panel] {
	w := uint32(12)
	if p.Wide {
		w = 24
	}
	switch p.Kind {
	case Stat:
		return stat.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Help).Datasource(datasource).Targets(grafanaTargets(p)).
			Unit(grafanaUnit(p)).Thresholds(grafanaThresholds(p)).Height(5).Span(6).
			ColorMode(common.BigValueColorModeBackground).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
	case Bars:
		return bargauge.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Help).Datasource(datasource).Targets(grafanaTargets(p)).
			Unit(grafanaUnit(p)).Thresholds(grafanaThresholds(p)).Height(8).Span(w).
			Orientation(common.VizOrientationHorizontal).DisplayMode(common.BarGaugeDisplayModeGradient).
			ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
	}
	tp := timeseries.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Help).Datasource(datasource).Targets(grafanaTargets(p)).
		Unit(grafanaUnit(p)).Height(8).Span(w).FillOpacity(10).LineWidth(1).ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeTable).Placement(common.LegendPlacementBottom).
			ShowLegend(true).Calcs([]string{"mean", "max", "lastNotNull"}))
	if p.Limit != nil {
		tp.Thresholds(grafanaThresholds(p)).ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine))
	}
	return tp
}
