package elasticsearch

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/engines/provider/native"
)

// JavaHomeEnv names the Java the nodes run on; without it ES_JAVA_HOME, then JAVA_HOME, then
// the Debian openjdk-17 package's folder are tried.
const JavaHomeEnv = "DBHARNESS_JAVA_HOME"

// findJava finds a Java 17 or later home (the integ-test zips bundle no JDK).
func findJava() (string, error) {
	var tried []string
	for _, env := range []string{JavaHomeEnv, "ES_JAVA_HOME", "OPENSEARCH_JAVA_HOME", "JAVA_HOME"} {
		if h := os.Getenv(env); h != "" {
			if isJava(h) {
				return h, nil
			}
			tried = append(tried, env+"="+h)
		}
	}
	homes, _ := filepath.Glob("/usr/lib/jvm/java-*-openjdk-*")
	// The newest Java the servers are known to run on first: 17, then 21.
	slices.SortFunc(homes, func(a, b string) int { return javaRank(a) - javaRank(b) })
	for _, h := range homes {
		if javaRank(h) < 100 && isJava(h) {
			return h, nil
		}
	}
	return "", fmt.Errorf("no Java 17 found (tried %s and /usr/lib/jvm/java-*-openjdk-*): install it with `apt-get install openjdk-17-jre-headless`, or set %s",
		strings.Join(append(tried, "ES_JAVA_HOME, JAVA_HOME"), ", "), JavaHomeEnv)
}

// javaRank orders Java homes by preference: 17 first, then 21; older ones are refused (100).
func javaRank(home string) int {
	base := filepath.Base(home)
	f := strings.Split(strings.TrimPrefix(base, "java-"), "-")
	n, _ := strconv.Atoi(strings.TrimPrefix(f[0], "1.")) // java-1.17.0-openjdk-amd64
	switch {
	case n == 17:
		return 0
	case n > 17 && n <= 24:
		return n
	}
	return 100
}

func isJava(home string) bool {
	st, err := os.Stat(filepath.Join(home, "bin", "java"))
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// distributionHome is the unpacked distribution the install step fetched.
func distributionHome(d distribution) (string, error) {
	dir, err := native.MavenDir(d.maven)
	if err != nil {
		return "", fmt.Errorf("elasticsearch: %s %s: %w", d.flavor, d.version, err)
	}
	home := filepath.Join(dir, d.dir)
	if _, err := os.Stat(filepath.Join(home, "bin", d.bin)); err != nil {
		return "", fmt.Errorf("elasticsearch: %s has no bin/%s (%v): remove %s and run `make deps` again", home, d.bin, err, dir)
	}
	return home, nil
}

// readableHome returns a copy of the distribution a user u can read. The install step's
// cache sits below the home of whoever ran it (root's is 0700), and the zips' config files
// are 0660, so a server run as nobody can read neither: the distribution is copied once per
// machine to <tmp>/dbharness-dist-<name>, every file readable by all (the config folder each
// node gets is its own copy anyway). Without u the cache is used as it is.
func readableHome(ctx context.Context, d distribution, u *native.User) (string, error) {
	home, err := distributionHome(d)
	if err != nil || u == nil {
		return home, err
	}
	shared := filepath.Join(os.TempDir(), "dbharness-dist-"+d.dir)
	done := filepath.Join(shared, ".complete")
	if _, err := os.Stat(done); err == nil {
		return shared, nil
	}
	release, err := native.StartLock(ctx, "elasticsearch-dist")
	if err != nil {
		return "", fmt.Errorf("elasticsearch: copy %s for user %s: %w", home, u.Name, err)
	}
	defer release()
	if _, err := os.Stat(done); err == nil {
		return shared, nil // another process copied it while we waited
	}
	tmp := shared + ".tmp-" + strconv.Itoa(os.Getpid())
	_ = os.RemoveAll(tmp)
	if err := copyTree(home, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("elasticsearch: copy %s to %s for user %s: %w", home, tmp, u.Name, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		_ = os.RemoveAll(tmp)
		return "", err
	}
	_ = os.RemoveAll(shared)
	if err := os.Rename(tmp, shared); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("elasticsearch: move %s to %s: %w", tmp, shared, err)
	}
	return shared, nil
}

// copyTree copies a folder of regular files and folders, everything readable by all and
// executables executable by all.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		info, err := e.Info()
		if err != nil {
			return err
		}
		switch {
		case e.IsDir():
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			return os.Chmod(to, 0o755)
		case info.Mode().Type() == fs.ModeSymlink:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case !info.Mode().IsRegular():
			return nil
		}
		mode := fs.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		return copyFile(path, to, mode)
	})
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(to, mode) // the umask may have taken bits off
}

// copyConfig gives a node its own config folder: the distribution's, owned by u.
func copyConfig(home, dst string, u *native.User) error {
	if err := copyTree(filepath.Join(home, "config"), dst); err != nil {
		return fmt.Errorf("copy the config folder of %s: %w", home, err)
	}
	if u == nil {
		return nil
	}
	return filepath.WalkDir(dst, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(u.UID), int(u.GID))
	})
}
