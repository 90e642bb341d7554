package native

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CacheEnv overrides the folder the install step fetches Maven artifacts into.
const CacheEnv = "DBHARNESS_CACHE"

// CacheDir is where the install step (scripts/install-deps.sh) keeps what it fetched:
// $DBHARNESS_CACHE, else $XDG_CACHE_HOME/dbharness, else ~/.cache/dbharness.
func CacheDir() string {
	if d := os.Getenv(CacheEnv); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "dbharness")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "dbharness")
	}
	return filepath.Join(os.TempDir(), "dbharness-cache")
}

// MavenDir is the folder the install step made for a Maven artifact "g:a:v[:type[:classifier]]"
// (engines.Requirement.Maven): <cache>/maven/<a>-<v>[-<classifier>], holding the artifact
// (a zip unpacked), and with its dependencies in lib/. The error says how to fetch it.
func MavenDir(coord string) (string, error) {
	parts := strings.Split(coord, ":")
	if len(parts) < 3 {
		return "", fmt.Errorf("maven artifact %q: want group:artifact:version[:type[:classifier]]", coord)
	}
	name := parts[1] + "-" + parts[2]
	if len(parts) == 5 && parts[4] != "" {
		name += "-" + parts[4]
	}
	dir := filepath.Join(CacheDir(), "maven", name)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		return dir, fmt.Errorf("%s is not fetched into %s: run `make deps` (scripts/install-deps.sh), which fetches it from Maven Central, or set %s to a folder that has it", coord, dir, CacheEnv)
	}
	return dir, nil
}
