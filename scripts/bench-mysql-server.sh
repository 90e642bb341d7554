# Sourced by the MySQL benchmark scripts: starts a private MariaDB on a free loopback port, as
# the mysql user when we are root, with the settings the engine gives its servers
# (performance_schema, the slow query log), a database sbtest and a TCP account sbtest for
# both sides; stops it and removes its folder on exit. Sets MYDIR, MYPORT, MYPID, MY_DSN
# (dbharness's form), MY_DRIVER_DSN (mysqld_exporter's) and my_sql "STATEMENT".
MYSERVER=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[ -x "$MYSERVER" ] || { echo "mariadbd not found: make deps (apt-get install mariadb-server)" >&2; exit 2; }
MYDIR=$(mktemp -d /tmp/dbharness-bench-mysql-XXXXXX)
chmod 755 "$MYDIR"
_my_user=()
if [ "$(id -u)" -eq 0 ]; then chown mysql:mysql "$MYDIR"; _my_user=(setpriv --reuid=mysql --regid=mysql --clear-groups); fi
MYPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
_my_pid=""
my_stop() {
  if [ -n "$_my_pid" ]; then
    kill -TERM "$_my_pid" 2>/dev/null
    wait "$_my_pid" 2>/dev/null || true
    _my_pid=""
  fi
  rm -rf "$MYDIR"
}
trap my_stop EXIT
cat >"$MYDIR/my.cnf" <<CNF
[mysqld]
datadir = $MYDIR/data
port = $MYPORT
bind_address = 127.0.0.1
socket = $MYDIR/mysqld.sock
pid_file = $MYDIR/mysqld.pid
tmpdir = $MYDIR
skip_name_resolve = ON
performance_schema = ON
slow_query_log = ON
slow_query_log_file = $MYDIR/slow.log
long_query_time = 0.1
innodb_buffer_pool_dump_at_shutdown = OFF
innodb_buffer_pool_load_at_startup = OFF
character_set_server = utf8mb4
collation_server = utf8mb4_general_ci
CNF
[ "$(id -u)" -eq 0 ] && chown mysql:mysql "$MYDIR/my.cnf"
"${_my_user[@]}" mariadb-install-db --no-defaults --datadir="$MYDIR/data" --tmpdir="$MYDIR" \
  --auth-root-authentication-method=normal --skip-test-db >"$MYDIR/install.log" 2>&1 || { cat "$MYDIR/install.log" >&2; exit 1; }
"${_my_user[@]}" "$MYSERVER" --defaults-file="$MYDIR/my.cnf" >"$MYDIR/error.log" 2>&1 &
_my_pid=$!
my_sql() { mariadb --no-defaults --socket="$MYDIR/mysqld.sock" -uroot -N -B -e "$1"; }
for _ in $(seq 200); do my_sql "SELECT 1" >/dev/null 2>&1 && break; sleep 0.05; done
my_sql "SELECT 1" >/dev/null || { cat "$MYDIR/error.log" >&2; exit 1; }
# The server's own pid (setpriv execs it, so it is the child we started).
MYPID=$_my_pid
my_sql "CREATE DATABASE sbtest; CREATE USER 'sbtest'@'%' IDENTIFIED BY 'sbtest'; GRANT ALL PRIVILEGES ON *.* TO 'sbtest'@'%'"
MY_DSN="mysql://sbtest:sbtest@127.0.0.1:$MYPORT/sbtest"
MY_DRIVER_DSN="sbtest:sbtest@(127.0.0.1:$MYPORT)/"
