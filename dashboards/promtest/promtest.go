// Package promtest runs a real Prometheus (the Debian package's binary) for tests: a
// foreground child on a loopback port, scraping the targets it is given every second, with
// its data in the test's temporary folder, stopped when the test ends. There is no fake:
// where no prometheus binary is installed, the test fails and says what to install.
package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines/provider/native"
)

// A Server is a running Prometheus.
type Server struct {
	URL string
}

// Start starts Prometheus scraping jobs (job name to host:port targets, /metrics) every
// second, and stops it when t ends.
func Start(t testing.TB, jobs map[string][]string) *Server {
	t.Helper()
	return start(t, jobs, "")
}

// Receiver starts Prometheus with its remote-write receiver on (/api/v1/write), scraping
// nothing, and stops it when t ends.
func Receiver(t testing.TB) *Server {
	t.Helper()
	return start(t, nil, "", "--web.enable-remote-write-receiver")
}

// Open starts Prometheus on an existing TSDB folder (a finished run's), scraping nothing,
// and stops it when t ends. Prometheus takes the folder's lock and writes its own head there.
func Open(t testing.TB, tsdbDir string) *Server {
	t.Helper()
	return start(t, nil, tsdbDir)
}

func start(t testing.TB, jobs map[string][]string, data string, flags ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("promtest: no prometheus binary: install the Debian package prometheus (scripts/install-deps.sh does)")
	}
	dir := t.TempDir()
	if data == "" {
		data = filepath.Join(dir, "data")
	}
	cfg := "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n"
	names := make([]string, 0, len(jobs))
	for j := range jobs {
		names = append(names, j)
	}
	sort.Strings(names)
	for _, j := range names {
		cfg += fmt.Sprintf("  - job_name: %q\n    static_configs:\n      - targets: [%s]\n", j, quoteAll(jobs[j]))
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	port, err := native.FreePort(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p, err := native.Start(native.Config{Name: "prometheus", Path: bin, Dir: dir, LogPath: filepath.Join(dir, "prometheus.log"),
		Args: append([]string{"--config.file=" + filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path=" + data,
			"--web.listen-address=" + addr, "--log.level=warn"}, flags...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Err(); err != nil {
			t.Errorf("promtest: %v", err) // it died under the test: say so, with its log
		}
		if err := p.Stop(ctx, syscall.SIGTERM, 10*time.Second); err != nil {
			t.Errorf("promtest: stop prometheus: %v", err)
		}
	})
	s := &Server{URL: "http://" + addr}
	ready := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/-/ready", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("ready: %s", resp.Status)
		}
		return nil
	}
	if err := p.WaitReady(context.Background(), time.Minute, ready); err != nil {
		t.Fatalf("promtest: prometheus did not get ready: %v", err)
	}
	return s
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// A Series is one series of a query's answer: its labels and values.
type Series struct {
	Labels map[string]string
	Values []float64 // NaN where Prometheus answered NaN
}

// apiResponse is the envelope of Prometheus's HTTP API answers.
type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (s *Server) get(ctx context.Context, path string, params url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %s: %s", path, resp.Status, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", r.ErrorType, r.Error)
	}
	return r.Data, nil
}

type matrixData struct {
	ResultType string `json:"resultType"`
	Result     []struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
		Value  [2]any            `json:"value"`
	} `json:"result"`
}

// QueryRange evaluates expr from start to end every step, as a Grafana panel does.
func (s *Server) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) ([]Series, error) {
	data, err := s.get(ctx, "/api/v1/query_range", url.Values{"query": {expr}, "start": {stamp(start)}, "end": {stamp(end)},
		"step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}})
	if err != nil {
		return nil, err
	}
	return decode(data)
}

// Query evaluates expr at one time; a range selector (x[5m]) returns its raw samples.
func (s *Server) Query(ctx context.Context, expr string, at time.Time) ([]Series, error) {
	data, err := s.get(ctx, "/api/v1/query", url.Values{"query": {expr}, "time": {stamp(at)}})
	if err != nil {
		return nil, err
	}
	return decode(data)
}

// SampleTimes returns the times of the raw samples of a series selector over the last window
// before at, with their values, oldest first.
func (s *Server) SampleTimes(ctx context.Context, selector string, window time.Duration, at time.Time) ([]time.Time, []float64, error) {
	data, err := s.get(ctx, "/api/v1/query", url.Values{"query": {fmt.Sprintf("%s[%ds]", selector, int(window.Seconds()))}, "time": {stamp(at)}})
	if err != nil {
		return nil, nil, err
	}
	var m matrixData
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, err
	}
	var ts []time.Time
	var vs []float64
	for _, r := range m.Result {
		for _, v := range r.Values {
			sec, _ := v[0].(float64)
			ts = append(ts, time.UnixMilli(int64(sec*1000)))
			vs = append(vs, parseValue(v[1]))
		}
	}
	return ts, vs, nil
}

func decode(data json.RawMessage) ([]Series, error) {
	var m matrixData
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	out := make([]Series, 0, len(m.Result))
	for _, r := range m.Result {
		s := Series{Labels: r.Metric}
		if m.ResultType == "vector" {
			s.Values = []float64{parseValue(r.Value[1])}
		}
		for _, v := range r.Values {
			s.Values = append(s.Values, parseValue(v[1]))
		}
		out = append(out, s)
	}
	return out, nil
}

func parseValue(v any) float64 {
	str, _ := v.(string)
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func stamp(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}
