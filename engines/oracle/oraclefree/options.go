package oraclefree

import (
	"errors"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// An Option configures the container; it is a testcontainers.ContainerCustomizer, so it
// mixes with testcontainers' own options in Run.
type Option func(*options) error

var _ testcontainers.ContainerCustomizer = Option(nil)

// Customize does nothing: Run reads Options itself. It makes Option a
// testcontainers.ContainerCustomizer.
func (Option) Customize(*testcontainers.GenericContainerRequest) error { return nil }

// WithPassword sets the password of SYS and SYSTEM (ORACLE_PASSWORD). Required.
func WithPassword(password string) Option {
	return func(o *options) error {
		if password == "" {
			return errors.New("WithPassword: empty password")
		}
		o.password = password
		return nil
	}
}

// WithAppUser has the image create an application user with that password in FREEPDB1
// (APP_USER, APP_USER_PASSWORD); ConnectionString then connects as that user.
func WithAppUser(user, password string) Option {
	return func(o *options) error {
		if user == "" {
			return errors.New("WithAppUser: empty user name")
		}
		o.appUser, o.appPassword = user, password
		return nil
	}
}

// WithStartupTimeout bounds the wait for the ready line and the first login
// (DefaultStartupTimeout without it).
func WithStartupTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("WithStartupTimeout: want a positive duration, got %s", d)
		}
		o.startupTimeout = d
		return nil
	}
}
