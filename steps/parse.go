package steps

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// parseDuration reads "20s", "500ms", "1m30s" and says what it expected otherwise.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration: write it like 500ms, 20s or 1m30s", s)
	}
	return d, nil
}

// parsePercent reads "0.1%" (or a bare "0.001" fraction) as a fraction.
func parsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || v < 0 || (pct && v > 100) || (!pct && v > 1) {
		return 0, fmt.Errorf("%q is not a rate: write it as a percentage like 0.1%% or a fraction like 0.001", s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}

// progressLine rewrites one terminal line in place. A nil writer prints nothing.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	width int
}

func newProgressLine(w io.Writer) *progressLine { return &progressLine{w: w} }

func (p *progressLine) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf(format, args...)
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
}

func (p *progressLine) clear() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}
