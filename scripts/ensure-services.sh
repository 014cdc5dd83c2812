#!/bin/sh
# Makes PostgreSQL, MariaDB and RabbitMQ ready for the integration tests (CI runs it
# first; under CI=true a missing service fails the tests instead of skipping them):
#   - installs them when absent and starts them when not running;
#   - sets up the logins the tests use, which a stock Debian install does not allow:
#     PostgreSQL user `postgres` over TCP from loopback without a password (trust), and
#     MariaDB `root` over TCP from 127.0.0.1 without a password. RabbitMQ's default
#     `guest` login from loopback is what the tests use already.
# Idempotent: it changes only what is not so yet, and checks each login at the end.
# Loopback-only, password-less logins are for a test machine, not for a deployment.
set -eu

pg_cluster=main
pg_port=5432
mysql_port=3306

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

port_open() {
  bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

wait_port() {
  i=0
  while ! port_open "$1"; do
    i=$((i + 1)); [ $i -gt 90 ] && { echo "port $1 did not open" >&2; return 1; }; sleep 1
  done
}

pg_login_ok() {
  PGPASSWORD='' PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1
}

mysql_login_ok() {
  mariadb --protocol=tcp -h 127.0.0.1 -P "$mysql_port" -u root --skip-password --connect-timeout=5 -e 'select 1' >/dev/null 2>&1
}

missing=""
command -v pg_ctlcluster >/dev/null || missing="$missing postgresql"
[ -x /usr/sbin/mariadbd ] || missing="$missing mariadb-server"
command -v rabbitmq-server >/dev/null || missing="$missing rabbitmq-server"
# The mc service group driver's tests start their own memcached on a free port.
command -v memcached >/dev/null || missing="$missing memcached"
if [ -n "$missing" ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# ---- PostgreSQL ------------------------------------------------------------------
pg_version=$(ls /etc/postgresql | sort -V | tail -1)
if ! port_open "$pg_port"; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" start
fi
wait_port "$pg_port"
if ! pg_login_ok; then
  hba=/etc/postgresql/$pg_version/$pg_cluster/pg_hba.conf
  marker='# nova-ts tests: postgres from loopback without a password'
  if ! as_root grep -qF "$marker" "$hba"; then
    # pg_hba.conf is read top down and the first matching line decides: put these first.
    as_root sed -i "1i $marker\nhost all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust" "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" reload
  pg_login_ok || { echo "PostgreSQL: user postgres still cannot log in over TCP; see $hba" >&2; exit 1; }
fi

# ---- MariaDB ---------------------------------------------------------------------
if ! port_open "$mysql_port"; then
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_port "$mysql_port"
if ! mysql_login_ok; then
  # Through the local socket, where Debian's root@localhost logs in by unix_socket. A TCP
  # client from 127.0.0.1 may be matched as root@localhost (name resolution) or as
  # root@127.0.0.1, so both accept the empty password; root@localhost keeps unix_socket.
  as_root mariadb -u root <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
FLUSH PRIVILEGES;
SQL
  mysql_login_ok || { echo "MariaDB: root still cannot log in over TCP from 127.0.0.1" >&2; exit 1; }
fi

# ---- RabbitMQ --------------------------------------------------------------------
if ! port_open 5672; then
  as_root rabbitmq-server -detached
fi
wait_port 5672
