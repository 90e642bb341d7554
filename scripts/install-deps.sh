#!/usr/bin/env bash
# Installs what dbharness needs on this machine and is missing: the PostgreSQL 15 server with
# contrib (pg_stat_statements, pgbench), and Redis 7 (server, sentinel, redis-cli, redis-benchmark).
# Debian/Ubuntu only; elsewhere it says what to install.
# Installing starts nothing: dbharness runs each server itself, as a child process.
set -euo pipefail

need=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
[ -f /usr/lib/postgresql/15/lib/pg_stat_statements.so ] || need+=(postgresql-contrib)
command -v psql >/dev/null || need+=(postgresql-client)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
command -v redis-cli >/dev/null || need+=(redis-tools)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: PostgreSQL 15 with contrib and Redis are installed"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-deps: missing ${need[*]} and no apt-get here: install PostgreSQL 15 with contrib and Redis 7 by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${need[*]}"
# Note: policy-rc.d may refuse to start services in containers; that is fine, we start none.
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian packages start system services; dbharness runs its own servers, so stop them.
for svc in redis-server redis-sentinel; do
  if command -v systemctl >/dev/null; then $sudo systemctl stop "$svc" 2>/dev/null || true; fi
  if command -v service >/dev/null; then $sudo service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "install-deps: done"
