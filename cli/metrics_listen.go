package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dbharness/dbharness/result/tsdb"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// metricsListenHelp is the help of --metrics-listen on run and load.
const metricsListenHelp = "serve the load engine's own metrics (operations, errors, latency histograms per scenario and operation) on http://ADDR/metrics while the run goes on, e.g. 127.0.0.1:9464, and dbharness's Go profiles on http://ADDR/debug/pprof/"

// remoteWriteHelp is the help of --remote-write on run and load.
const remoteWriteHelp = "also send every sample written to the run's TSDB folder to a Prometheus remote-write endpoint as the run goes, e.g. http://127.0.0.1:9090/api/v1/write (Prometheus with --web.enable-remote-write-receiver)"

// storeOptions are the TSDB options of --remote-write; it needs a folder to write (--out).
func storeOptions(remoteWrite, out string) ([]tsdb.Option, error) {
	if remoteWrite == "" {
		return nil, nil
	}
	if out == "" {
		return nil, errors.New("--remote-write sends what the run's TSDB folder gets: it needs --out")
	}
	rw, err := tsdb.NewRemoteWrite(remoteWrite)
	if err != nil {
		return nil, err
	}
	return []tsdb.Option{tsdb.WithRemote(rw)}, nil
}

// metricsLinger is how long the metrics server waits at the end for a last scrape.
const metricsLinger = 5 * time.Second

// serveLoadMetrics serves a load metrics exporter on addr until stop is called; an empty
// addr serves nothing and returns a nil observer.
func serveLoadMetrics(addr string, stderr io.Writer) (observe func(string, *load.Summary, bool), stop func(), err error) {
	if addr == "" {
		return nil, func() {}, nil
	}
	exp := loadmetrics.New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-listen %s: %w", addr, err)
	}
	var scraped atomic.Int64 // scrapes served
	handler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux := http.NewServeMux()
	mux.Handle("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
		scraped.Add(1)
	}))
	// Go's profiles of dbharness itself, as Prometheus and the exporters serve them: what a soak
	// run's memory holds is `go tool pprof http://ADDR/debug/pprof/heap`.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "dbharness: --metrics-listen: %v\n", err)
		}
	}()
	fmt.Fprintf(stderr, "serving load metrics on http://%s/metrics\n", l.Addr())
	return exp.Observe, func() {
		// Note: a run ends moments after its last workload; the server stays until a scraper
		// has read the final state once (at most metricsLinger), as a batch job's last numbers
		// would otherwise never reach Prometheus.
		seen := scraped.Load()
		deadline := time.Now().Add(metricsLinger)
		for seen > 0 && scraped.Load() == seen && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}
