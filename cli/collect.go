package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/runner"
)

func collectCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("collect", stderr)
	engine := fs.String("engine", "", "database engine (required): "+strings.Join(collectors.Databases(), ", "))
	dsn := fs.String("dsn", "", "connection string (default: $DBHARNESS_<ENGINE>_DSN, which keeps the password out of ps)")
	listen := fs.String("listen", "", "address to serve /metrics on (default: the port of the database's usual Prometheus exporter, as `dbharness engines` lists)")
	once := fs.Bool("once", false, "scrape once, print the metrics in Prometheus text format and exit")
	timeout := fs.Duration("timeout", 5*time.Second, "per-scraper timeout")
	verbose := fs.Bool("v", false, "log scraper failures")
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	if *engine == "" {
		return usageError(fmt.Errorf("collect: --engine is required: one of %s", strings.Join(collectors.Databases(), ", ")))
	}
	eng, _, err := engines.Find(*engine)
	if err != nil {
		return usageError(fmt.Errorf("collect: %w", err))
	}
	*engine = eng.Name()
	if *dsn != "" && strings.Contains(engines.RedactDSN(*dsn), engines.Redacted) {
		fmt.Fprintf(stderr, "dbharness collect: warning: the --dsn flag carries a password, which `ps` shows to every user of this machine: set DBHARNESS_%s_DSN instead\n", strings.ToUpper(*engine))
	}
	if *dsn == "" {
		*dsn = runner.ExternalDSN(*engine)
	}
	if *dsn == "" {
		return usageError(fmt.Errorf("collect: no DSN: pass --dsn or set DBHARNESS_%s_DSN", strings.ToUpper(*engine)))
	}
	logger := newLogger(stderr, *verbose)
	coll, err := collectors.Open(ctx, *engine, *dsn, collectors.WithTimeout(*timeout), collectors.WithLogger(logger))
	if err != nil {
		return ExitError{Code: ExitFailed, Err: fmt.Errorf("collect: %s", engines.RedactDSN(err.Error()))}
	}
	defer coll.Close()
	reg := prometheus.NewRegistry()
	if err := reg.Register(coll); err != nil {
		return ExitError{Code: ExitFailed, Err: err}
	}
	if *once {
		mfs, err := reg.Gather()
		if err != nil {
			return ExitError{Code: ExitFailed, Err: fmt.Errorf("collect: %w", err)}
		}
		enc := expfmt.NewEncoder(stdout, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				return err
			}
		}
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogAdapter{logger}}))
	if *listen == "" {
		if port := eng.Describe().ExporterPort; port != 0 {
			*listen = fmt.Sprintf(":%d", port)
		} else {
			*listen = ":9100"
		}
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return ExitError{Code: ExitFailed, Err: fmt.Errorf("collect: listen on %s: %w", *listen, err)}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "serving %s metrics of %s on http://%s/metrics\n", *engine, engines.DSNAddress(*dsn), l.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return ExitError{Code: ExitFailed, Err: err}
	}
	return nil
}

type slogAdapter struct {
	l interface{ Error(string, ...any) }
}

func (a slogAdapter) Println(v ...any) { a.l.Error(fmt.Sprint(v...)) }
