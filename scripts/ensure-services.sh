#!/bin/sh
# Starts PostgreSQL, MariaDB and RabbitMQ when they are installed but not running, and
# installs them first when absent (CI machines of another kind). Integration tests need
# them; under CI=true a missing one fails the tests instead of skipping them.
set -eu

wait_port() {
  i=0
  while ! bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 90 ] && { echo "port $1 did not open" >&2; return 1; }; sleep 1
  done
}

sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
missing=""
command -v pg_ctlcluster >/dev/null || missing="$missing postgresql"
[ -x /usr/sbin/mariadbd ] || missing="$missing mariadb-server"
command -v rabbitmq-server >/dev/null || missing="$missing rabbitmq-server"
if [ -n "$missing" ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

if ! bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null; then
  $sudo pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
if ! bash -c 'exec 3<>/dev/tcp/127.0.0.1/3306' 2>/dev/null; then
  $sudo start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
if ! bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672' 2>/dev/null; then
  $sudo rabbitmq-server -detached
fi
wait_port 5432
wait_port 3306
wait_port 5672
