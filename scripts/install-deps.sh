#!/usr/bin/env bash
# Installs what the registered databases need on this machine and is missing. Each engine
# declares its needs (engines.Description.Requires); `dbharness requirements` lists them:
#   debian <package> <engine> <why>             installed with apt-get
#   maven <g:a:v[:type[:classifier]]> ...       fetched from Maven Central into the cache
#   maven-with-deps <g:a:v> ...                 the same, with its runtime dependencies in lib/
# The cache is $DBHARNESS_CACHE (default ~/.cache/dbharness); each artifact gets
# <cache>/maven/<artifact>-<version>[-<classifier>]/ with a .complete marker, and zips are
# unpacked there. Maven checks every download against Central's checksums (-C).
# Debian/Ubuntu only; elsewhere it says what to install. Installing starts nothing:
# dbharness runs each server itself, as a child process.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
reqs=$("$GO" run ./cmd/dbharness requirements)

debian=()
maven=()
while read -r kind name engine why; do
  case "$kind" in
    debian) dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || debian+=("$name") ;;
    maven|maven-with-deps) maven+=("$kind $name") ;;
    "") ;;
    *) echo "install-deps: unknown requirement kind $kind (from $engine)" >&2; exit 1 ;;
  esac
done <<<"$reqs"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#debian[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "install-deps: missing ${debian[*]} and no apt-get here: install them by hand" >&2
    exit 1
  fi
  echo "install-deps: installing ${debian[*]}"
  # Note: policy-rc.d may refuse to start services in containers; that is fine, we start none.
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${debian[@]}" >/dev/null
  # Debian packages may start system services; dbharness runs its own servers, so stop them.
  for svc in redis-server redis-sentinel mariadb mysql prometheus-elasticsearch-exporter; do
    if command -v systemctl >/dev/null; then $sudo systemctl stop "$svc" 2>/dev/null || true; fi
    if command -v service >/dev/null; then $sudo service "$svc" stop >/dev/null 2>&1 || true; fi
  done
fi

cache=${DBHARNESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbharness}
fetch_maven() { # kind coordinate
  local kind=$1 coord=$2 g a v type classifier dir tmp
  IFS=: read -r g a v type classifier <<<"$coord"
  type=${type:-jar}
  dir="$cache/maven/$a-$v${classifier:+-$classifier}"
  [ -f "$dir/.complete" ] && return 0
  command -v mvn >/dev/null || { echo "install-deps: $coord needs Maven (apt-get install maven)" >&2; exit 1; }
  echo "install-deps: fetching $coord from Maven Central into $dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  local repo="$cache/m2"
  local artifact="$g:$a:$v:$type${classifier:+:$classifier}"
  mvn -q -B -C -Dmaven.repo.local="$repo" dependency:copy -Dartifact="$artifact" -DoutputDirectory="$tmp/artifact" -Dmdep.useBaseVersion=true
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$type" = zip ]; then
    (cd "$dir" && unzip -q "$tmp"/artifact/*.zip)
  else
    cp "$tmp"/artifact/* "$dir/"
  fi
  if [ "$kind" = maven-with-deps ]; then
    cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>dbharness</groupId><artifactId>deps</artifactId><version>1</version>
<dependencies><dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency></dependencies>
</project>
POM
    mvn -q -B -C -f "$tmp/pom.xml" -Dmaven.repo.local="$repo" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib"
  fi
  touch "$dir/.complete"
}
for m in "${maven[@]+"${maven[@]}"}"; do
  # shellcheck disable=SC2086
  fetch_maven $m
done
echo "install-deps: everything the databases need is here"
