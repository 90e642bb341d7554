package dashboards

import (
	"fmt"
	"strconv"
	"strings"
)

// PromQL writes the expression in PromQL, with rate windows of window ("5m", or
// "$__rate_interval" in Grafana).
func (e Expr) PromQL(window string) string {
	var q string
	switch e.Kind {
	case Quantile:
		by := strings.Join(append([]string{"le"}, e.By...), ", ")
		q = fmt.Sprintf("histogram_quantile(%s, sum by (%s) (rate(%s[%s])))",
			strconv.FormatFloat(e.Q, 'g', -1, 64), by, e.selector(e.Of[0]+"_bucket"), window)
	default:
		q = e.sum(e.Of, window)
		if len(e.Over) > 0 {
			q = fmt.Sprintf("(%s) / (%s)", q, e.sum(e.Over, window))
		}
	}
	if e.Top > 0 {
		q = fmt.Sprintf("topk(%d, %s)", e.Top, q)
	}
	return q
}

// sum adds up the metrics' terms, each aggregated by e.By.
func (e Expr) sum(metrics []string, window string) string {
	terms := make([]string, len(metrics))
	for i, m := range metrics {
		inner := e.selector(m)
		agg := "sum"
		if e.Kind == Rate {
			inner = fmt.Sprintf("rate(%s[%s])", inner, window)
		} else if e.Agg != "" {
			agg = string(e.Agg)
		}
		if len(e.By) > 0 {
			terms[i] = fmt.Sprintf("%s by (%s) (%s)", agg, strings.Join(e.By, ", "), inner)
		} else {
			terms[i] = fmt.Sprintf("%s(%s)", agg, inner)
		}
	}
	return strings.Join(terms, " + ")
}

// selector is metric{matchers}, with the matchers that apply to it.
func (e Expr) selector(metric string) string {
	ms := e.matchersFor(metric)
	if len(ms) == 0 {
		return metric
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		if m.Var {
			parts[i] = fmt.Sprintf(`%s=~"$%s"`, m.Label, m.Value)
		} else {
			parts[i] = fmt.Sprintf(`%s=%s`, m.Label, strconv.Quote(m.Value))
		}
	}
	return metric + "{" + strings.Join(parts, ", ") + "}"
}
