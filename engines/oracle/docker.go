package oracle

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/oracle/oraclefree"
)

// DefaultImageVersion is the gvenzl/oracle-free tag used when the spec names no version;
// the engine runs its -slim-faststart variant.
const DefaultImageVersion = "23"

// ImageEnv names an image to run instead (a mirror, a -full tag).
const ImageEnv = "DBHARNESS_ORACLE_IMAGE"

// imageFor is the image a spec asks for.
func imageFor(version string) string {
	if img := os.Getenv(ImageEnv); img != "" {
		return img
	}
	if version == "" {
		version = DefaultImageVersion
	}
	return "gvenzl/oracle-free:" + version + "-slim-faststart"
}

// container is one Oracle Free container and what the engine knows of it.
type container struct {
	image    string
	ctr      *oraclefree.Container
	admin    string // SYS as SYSDBA on FREEPDB1
	dsn      string // the application user on FREEPDB1
	password string // the application user's
	started  time.Time
	startup  time.Duration
}

func (c *container) Image() string { return c.image }

func (c *container) Terminate(ctx context.Context) error {
	return testcontainers.TerminateContainer(c.ctr, testcontainers.StopContext(ctx))
}

// startDocker leases a container: an idle one of the same image whose schema is reset,
// or a new one.
func (e *Engine) startDocker(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	log := logger(spec)
	image := imageFor(spec.Version)
	var c *container
	if len(spec.Settings) == 0 {
		if r, ok := e.pool.take(image).(*container); ok {
			began := time.Now()
			if err := resetSchema(ctx, r); err != nil {
				log.Warn("a kept Oracle container could not be reset: starting a new one", "image", image, "err", engines.Redact(err))
				_ = r.Terminate(context.WithoutCancel(ctx))
			} else {
				log.Info("reusing the Oracle container of an earlier scenario", "image", image,
					"started", time.Since(r.started).Round(time.Second), "reset took", time.Since(began).Round(time.Millisecond))
				c = r
			}
		}
	}
	if c == nil {
		var err error
		c, err = runContainer(ctx, image, spec, log)
		if err != nil {
			if c != nil {
				return &engines.Handle{Stopper: c.Terminate}, err
			}
			return nil, err
		}
	}
	h := e.lease(c, spec)
	addr := engines.DSNAddress(c.dsn)
	if err := seed(ctx, c.dsn, addr, spec.Seed); err != nil {
		return h, err
	}
	db := openDB(c.dsn)
	defer db.Close()
	srv, err := readServer(ctx, db, addr, slices.Sorted(maps.Keys(spec.Settings)))
	if err != nil {
		return h, err
	}
	h.Meta = srv.info(engines.ProviderDocker, addr)
	h.Meta.Settings["image"] = image
	h.Meta.Settings["startup_seconds"] = fmt.Sprintf("%.1f", c.startup.Seconds())
	return h, nil
}

// lease hands a container to one scenario. Its Stop gives the container back to the pool
// when that is safe: the scenario set no server settings (ALTER SYSTEM outlives a schema
// reset), and testcontainers' reaper runs, so a container still idle when the run ends is
// removed. Otherwise Stop removes the container.
func (e *Engine) lease(c *container, spec engines.Spec) *engines.Handle {
	reuse := len(spec.Settings) == 0 && !testcontainers.ReadConfig().RyukDisabled
	done := make(chan struct{})
	exited, exitErr := watch(c, done)
	return &engines.Handle{
		ConnString: c.dsn,
		Meta:       engines.Info{Engine: Name, Flavor: "oracle", Provider: engines.ProviderDocker, Topology: engines.Standalone, Address: engines.DSNAddress(c.dsn)},
		Exited:     exited,
		ExitErr:    exitErr,
		Stopper: func(ctx context.Context) error {
			close(done)
			select {
			case <-exited:
				return c.Terminate(ctx) // it died: nothing to reuse
			default:
			}
			if reuse {
				e.pool.put(c)
				return nil
			}
			return c.Terminate(ctx)
		},
	}
}

// runContainer starts a new container and creates the application user. On error the
// container, if one was made, is returned too.
func runContainer(ctx context.Context, image string, spec engines.Spec, log *slog.Logger) (*container, error) {
	sysPassword, err := newPassword()
	if err != nil {
		return nil, err
	}
	appPassword, err := newPassword()
	if err != nil {
		return nil, err
	}
	timeout := spec.StartTimeout
	if timeout <= 0 {
		timeout = oraclefree.DefaultStartupTimeout
	}
	began := time.Now()
	stop := progress(log, image, began)
	ctr, err := oraclefree.Run(ctx, image, oraclefree.WithPassword(sysPassword), oraclefree.WithStartupTimeout(timeout))
	stop()
	var c *container
	if ctr != nil {
		c = &container{image: image, ctr: ctr, started: began, password: appPassword}
	}
	if err != nil {
		return c, fmt.Errorf("oracle: docker image %s: %s%s", image, engines.RedactDSN(err.Error()), logTail(ctx, ctr))
	}
	c.startup = time.Since(began)
	if c.admin, err = ctr.AdminConnectionString(ctx); err != nil {
		return c, fmt.Errorf("oracle: docker image %s: %w", image, err)
	}
	app, err := ctr.ConnectionString(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("oracle: docker image %s: %w", image, err)
	}
	d, err := ParseDSN(app)
	if err != nil {
		return c, err
	}
	d.User, d.Password = appUser, appPassword
	c.dsn = d.String()
	admin := openDB(c.admin)
	defer admin.Close()
	if err := createAppUser(ctx, admin, appPassword); err != nil {
		return c, fmt.Errorf("oracle at %s: %w", engines.DSNAddress(c.dsn), err)
	}
	if err := applySettings(ctx, admin, spec.Settings); err != nil {
		return c, fmt.Errorf("oracle at %s: %w", engines.DSNAddress(c.dsn), err)
	}
	log.Info("oracle ready", "image", image, "address", engines.DSNAddress(c.dsn), "startup", c.startup.Round(time.Second))
	return c, nil
}

// resetSchema drops and recreates a kept container's application user.
func resetSchema(ctx context.Context, c *container) error {
	admin := openDB(c.admin)
	defer admin.Close()
	return resetAppUser(ctx, admin, c.password)
}

// applySettings sets server parameters for the container's life (SCOPE = BOTH, in the
// pluggable database). A parameter only the root container or a restart can change is
// refused with Oracle's reason.
func applySettings(ctx context.Context, admin execer, settings map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		st, err := alterSystem(name, settings[name])
		if err != nil {
			return err
		}
		if _, err := admin.ExecContext(ctx, st); err != nil {
			hint := ""
			switch Code(err) {
			case 2095: // specified initialization parameter cannot be modified
				hint = ": it takes a restart, which the harness does not do; choose a parameter Oracle changes live (V$PARAMETER.ISSYS_MODIFIABLE = IMMEDIATE)"
			case 65040: // operation not allowed from within a pluggable database
				hint = ": only the root container may set it (V$PARAMETER.ISPDB_MODIFIABLE = FALSE)"
			case 2065, 96: // illegal option / invalid value
				hint = ": check the value's spelling and unit"
			}
			return fmt.Errorf("setting %s = %s: %w%s", name, settings[name], err, hint)
		}
	}
	return nil
}

// alterSystem writes the ALTER SYSTEM of one setting; names are identifiers, values are
// passed as Oracle takes them (numbers, sizes like 512M, quoted strings).
func alterSystem(name, value string) (string, error) {
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", fmt.Errorf("setting %q: a parameter name has letters, digits and _ only", name)
		}
	}
	if strings.ContainsAny(value, ";\n") {
		return "", fmt.Errorf("setting %s: the value %q holds a ; or a newline", name, value)
	}
	return fmt.Sprintf("ALTER SYSTEM SET %s = %s SCOPE = BOTH", name, value), nil
}

// progress says every 30 s that the container is still starting, so a long first start
// on a small machine does not look like a hang; the returned func stops it.
func progress(log *slog.Logger, image string, began time.Time) func() {
	done := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Warn("Oracle Free is still starting: it takes from half a minute to several minutes on a small machine",
					"image", image, "so far", time.Since(began).Round(time.Second))
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

// watch notices the container's end while a scenario holds it: the channel closes when the
// container is no longer running, and the func says why with its last log lines. It stops
// looking when done closes.
func watch(c *container, done <-chan struct{}) (<-chan struct{}, func() error) {
	exited := make(chan struct{})
	var mu sync.Mutex
	var why error
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			st, err := c.ctr.State(ctx)
			if err == nil && st.Running {
				cancel()
				continue
			}
			msg := "the Oracle container is gone"
			if err == nil {
				msg = fmt.Sprintf("the Oracle container stopped (exit code %d, %s)", st.ExitCode, st.Status)
			}
			mu.Lock()
			why = fmt.Errorf("%s%s", msg, logTail(ctx, c.ctr))
			mu.Unlock()
			cancel()
			close(exited)
			return
		}
	}()
	return exited, func() error { mu.Lock(); defer mu.Unlock(); return why }
}

// logTail is the container's last log lines, for errors.
func logTail(ctx context.Context, ctr *oraclefree.Container) string {
	if ctr == nil {
		return ""
	}
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	var lines []string
	sc := bufio.NewScanner(rc)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 20 {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "\nthe container's last log lines:\n  " + engines.RedactDSN(strings.Join(lines, "\n  "))
}
