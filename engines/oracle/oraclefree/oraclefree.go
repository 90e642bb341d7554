// Package oraclefree runs Oracle Database Free in Docker through testcontainers-go, on
// Gerald Venzl's gvenzl/oracle-free images. testcontainers-go has no Oracle module, so
// this is one in the style of its modules: Run(ctx, image, opts...) with With* options, a
// Container that embeds testcontainers.Container, and a container that started but never
// became ready returned with the error so the caller can still terminate it.
//
// The image's facts it relies on (gvenzl/oci-oracle-free README and ImageDetails): the
// SYS and SYSTEM password comes from ORACLE_PASSWORD, an application user from APP_USER and
// APP_USER_PASSWORD (created in the pluggable database FREEPDB1), the listener on 1521,
// and the log line "DATABASE IS READY TO USE!" once the database is open. Start-up takes
// from tens of seconds (the -faststart tags) to minutes (the regular tags unpack the
// database on first start; a small machine is slower still).
package oraclefree

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/network"
	_ "github.com/sijms/go-ora/v2" // the "oracle" database/sql driver the readiness login uses
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	// DefaultImage is the image Run is usually given: 23ai, without the optional
	// components, with the database files already unpacked.
	DefaultImage = "gvenzl/oracle-free:23-slim-faststart"
	// Port is the listener's port inside the container.
	Port = "1521/tcp"
	// Service is the pluggable database the application user lives in.
	Service = "FREEPDB1"
	// ReadyLog is the line the image logs once the database is open.
	ReadyLog = "DATABASE IS READY TO USE!"
	// DefaultStartupTimeout bounds the wait for ReadyLog and the first login. Note: generous
	// because the regular images unpack several GB on first start, which takes minutes on a
	// two-core machine.
	DefaultStartupTimeout = 10 * time.Minute
)

// Container is a running Oracle Database Free container.
type Container struct {
	testcontainers.Container
	settings options
}

// Run creates and starts a container of img (DefaultImage, or another gvenzl/oracle-free
// tag) and waits until the database logs ReadyLog and accepts a login to Service. On error
// the container, if one was created, is returned too: terminate it.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	settings := defaultOptions()
	for _, opt := range opts {
		if o, ok := opt.(Option); ok {
			if err := o(&settings); err != nil {
				return nil, fmt.Errorf("run oracle-free: %w", err)
			}
		}
	}
	if err := settings.validate(); err != nil {
		return nil, fmt.Errorf("run oracle-free: %w", err)
	}
	moduleOpts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(Port),
		testcontainers.WithEnv(settings.env()),
		testcontainers.WithWaitStrategy(readiness(settings)),
	}
	moduleOpts = append(moduleOpts, opts...)
	ctr, err := testcontainers.Run(ctx, img, moduleOpts...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, settings: settings}
	}
	if err != nil {
		return c, fmt.Errorf("run oracle-free: %w", err)
	}
	return c, nil
}

// readiness waits for the ready line, then for a login as the user clients will use.
func readiness(o options) wait.Strategy {
	user, password := o.loginUser()
	return wait.ForAll(
		wait.ForLog(ReadyLog).WithStartupTimeout(o.startupTimeout),
		wait.ForSQL(Port, "oracle", func(host string, port network.Port) string {
			return URL(host, port.Port(), Service, user, password, o.loginOptions())
		}).WithQuery("SELECT 1 FROM DUAL").WithStartupTimeout(o.startupTimeout).WithPollInterval(time.Second),
	).WithDeadline(o.startupTimeout + time.Minute)
}

// ConnectionString is the go-ora URL of the application user (or SYSTEM when no
// application user was set) on Service. Options are go-ora URL options.
func (c *Container) ConnectionString(ctx context.Context, options map[string]string) (string, error) {
	user, password := c.settings.loginUser()
	return c.url(ctx, user, password, options)
}

// AdminConnectionString is the go-ora URL of SYS as SYSDBA on Service, for what only an
// administrator may do (grants, dropping and recreating the application user).
func (c *Container) AdminConnectionString(ctx context.Context) (string, error) {
	return c.url(ctx, "sys", c.settings.password, map[string]string{"dba privilege": "sysdba"})
}

func (c *Container) url(ctx context.Context, user, password string, options map[string]string) (string, error) {
	hostPort, err := c.PortEndpoint(ctx, Port, "")
	if err != nil {
		return "", fmt.Errorf("oracle-free: the address of port %s: %w", Port, err)
	}
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", fmt.Errorf("oracle-free: the address of port %s: %w", Port, err)
	}
	return URL(host, port, Service, user, password, options), nil
}

// URL builds a go-ora URL, oracle://user:password@host:port/service?options, with every
// part escaped (a password may hold any character but the double quote).
func URL(host, port, service, user, password string, options map[string]string) string {
	u := url.URL{Scheme: "oracle", User: url.UserPassword(user, password),
		Host: net.JoinHostPort(host, port), Path: "/" + service}
	if len(options) > 0 {
		q := url.Values{}
		for k, v := range options {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// options are what the Option values set.
type options struct {
	password              string // SYS and SYSTEM
	appUser, appPassword  string
	startupTimeout        time.Duration
	connectTimeoutSeconds int
}

func defaultOptions() options {
	return options{startupTimeout: DefaultStartupTimeout, connectTimeoutSeconds: 30}
}

func (o options) validate() error {
	if o.password == "" {
		return errors.New("no password for SYS and SYSTEM: use WithPassword")
	}
	for what, pw := range map[string]string{"the SYS password": o.password, "the application user's password": o.appPassword} {
		// Note: the image's scripts quote passwords in SQL with double quotes.
		if strings.ContainsAny(pw, "\"\n") {
			return fmt.Errorf("%s holds a double quote or a newline, which the image's scripts cannot quote", what)
		}
	}
	if o.appUser != "" && o.appPassword == "" {
		return fmt.Errorf("application user %s has no password: WithAppUser needs one", o.appUser)
	}
	return nil
}

// env is the container's environment: what the image reads on first start.
func (o options) env() map[string]string {
	env := map[string]string{"ORACLE_PASSWORD": o.password}
	if o.appUser != "" {
		env["APP_USER"], env["APP_USER_PASSWORD"] = o.appUser, o.appPassword
	}
	return env
}

func (o options) loginUser() (string, string) {
	if o.appUser != "" {
		return o.appUser, o.appPassword
	}
	return "system", o.password
}

func (o options) loginOptions() map[string]string {
	return map[string]string{"CONNECTION TIMEOUT": strconv.Itoa(o.connectTimeoutSeconds)}
}
