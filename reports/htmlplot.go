package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/dbharness/dbharness/result"
)

// A figure is one plot of the HTML report: inline SVG with a caption.
type figure struct {
	ID      string
	Caption string
	SVG     template.HTML
}

// palette are the line colors, in order.
var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
}

// line is one named series of a plot.
type line struct {
	name string
	xys  plotter.XYs
}

// newPlot is a plot with the report's look.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// addLines draws the lines in the palette's colors, with a legend entry each.
func addLines(p *plot.Plot, lines []line) error {
	for i, l := range lines {
		if len(l.xys) == 0 {
			continue
		}
		pl, err := plotter.NewLine(l.xys)
		if err != nil {
			return fmt.Errorf("plot %q: %w", l.name, err)
		}
		pl.Color = palette[i%len(palette)]
		pl.Width = vg.Points(1.5)
		p.Add(pl)
		p.Legend.Add(l.name, pl)
	}
	return nil
}

// markEvents draws a dashed vertical line at each fault and recovery, seconds from start.
func markEvents(p *plot.Plot, start time.Time, events []result.Event, ymax float64) {
	for _, e := range events {
		x := e.At.Sub(start).Seconds()
		if x < p.X.Min || x > p.X.Max {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: ymax}})
		if err != nil {
			continue
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = color.RGBA{200, 0, 0, 255}
		if e.Kind != "fault" {
			l.Color = color.RGBA{0, 140, 0, 255}
		}
		p.Add(l)
		p.Legend.Add(e.Kind+": "+shorten(e.Text, 40), l)
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// render writes the plot as inline SVG (the XML prologue dropped).
func render(id, caption string, p *plot.Plot) (figure, error) {
	w, err := p.WriterTo(7*vg.Inch, 3*vg.Inch, "svg")
	if err != nil {
		return figure{}, err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return figure{}, err
	}
	svg := b.String()
	if i := strings.Index(svg, "<svg"); i >= 0 {
		svg = svg[i:]
	}
	svg = strings.Replace(svg, "<svg ", `<svg role="img" aria-label="`+template.HTMLEscapeString(caption)+`" `, 1)
	return figure{ID: id, Caption: caption, SVG: template.HTML(svg)}, nil // #nosec: gonum's SVG of our numbers and escaped names
}

// maxY is the largest y of the lines, at least a small positive number.
func maxY(lines []line) float64 {
	m := 1e-9
	for _, l := range lines {
		for _, xy := range l.xys {
			if !math.IsNaN(xy.Y) && xy.Y > m {
				m = xy.Y
			}
		}
	}
	return m
}
