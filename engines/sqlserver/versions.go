package sqlserver

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// DefaultVersion is the release started when a scenario names none.
const DefaultVersion = "2022"

// images are the mssql/server tags of each release a scenario may name.
//
// Note: 2022 is pinned at the cumulative update the testcontainers module is tested with, so
// two runs months apart measure the same server; the older releases' images are no longer
// updated, so their latest tags do not move.
var images = map[string]string{
	"2017": "mcr.microsoft.com/mssql/server:2017-latest",
	"2019": "mcr.microsoft.com/mssql/server:2019-latest",
	"2022": "mcr.microsoft.com/mssql/server:2022-CU14-ubuntu-22.04",
}

// majors are the product major versions of the releases (SERVERPROPERTY('ProductVersion')).
var majors = map[int]string{14: "2017", 15: "2019", 16: "2022", 17: "2025"}

// checkVersion says whether a container of that release can be started.
func checkVersion(version string) error {
	if version == "" {
		return nil
	}
	if _, ok := images[version]; ok {
		return nil
	}
	known := make([]string, 0, len(images))
	for v := range images {
		known = append(known, v)
	}
	slices.Sort(known)
	return fmt.Errorf("sqlserver: there is no SQL Server %s image: name a release, one of %s", version, strings.Join(known, ", "))
}

// image is the container image of a release; DBHARNESS_SQLSERVER_IMAGE replaces it.
func image(version string) string {
	if img := strings.TrimSpace(os.Getenv(ImageEnv)); img != "" {
		return img
	}
	if version == "" {
		version = DefaultVersion
	}
	return images[version]
}

// Release names the release of a product version: "16.0.4135.4" is "2022". It is "" for a
// version it does not know.
func Release(productVersion string) string {
	major, _, _ := strings.Cut(productVersion, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return ""
	}
	return majors[n]
}

// checkRelease says whether the server that answered is the release the scenario asked for.
func checkRelease(want, productVersion, addr string) error {
	if want == "" {
		return nil
	}
	got := Release(productVersion)
	if got == want {
		return nil
	}
	if got == "" {
		got = "an unknown release"
	}
	return fmt.Errorf("sqlserver at %s: the scenario asks for SQL Server %s, the server is %s (version %s): name %s in the scenario or point %s at a %s server",
		addr, want, got, productVersion, got, DSNEnv, want)
}
