package native

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// User is an unprivileged account a server runs as when the harness runs as root.
type User struct {
	Name     string
	UID, GID uint32
}

// LookupUser finds an account by name; the error says how to get one.
func LookupUser(name string) (*User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("user %q not found (%v): create it (the Debian server package does), or run dbharness as an unprivileged user", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user %q has a non-numeric uid/gid %s/%s", name, u.Uid, u.Gid)
	}
	return &User{Name: name, UID: uint32(uid), GID: uint32(gid)}, nil
}

// IsRoot reports whether the harness runs as root.
func IsRoot() bool { return os.Geteuid() == 0 }

// PrivateDir makes a fresh directory under parent (os.TempDir() if empty) with mode 0700,
// owned by u when u is not nil, marked with this process as its owner (see SweepStale).
func PrivateDir(parent, prefix string, u *User) (string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create work directory %s: %w", parent, err)
	}
	if u != nil {
		if err := reachable(parent, u); err != nil {
			return "", err
		}
	}
	dir, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return "", fmt.Errorf("create private directory under %s: %w", parent, err)
	}
	if u != nil {
		if err := os.Chown(dir, int(u.UID), int(u.GID)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("give %s to user %s: %w", dir, u.Name, err)
		}
	}
	if err := writeOwner(dir); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("mark %s as this run's: %w", dir, err)
	}
	// Note: the parent may be world-readable /tmp; the server itself wants its data private.
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// reachable checks that user u can traverse every directory down to dir: a server run as
// postgres cannot start in a data directory below root's private 0700 home.
func reachable(dir string, u *User) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := abs; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if ok && sys.Uid != u.UID && st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("work directory %s is not reachable by user %s (%s is mode %v): choose one under /tmp", abs, u.Name, d, st.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
