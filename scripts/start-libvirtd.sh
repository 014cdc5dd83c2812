#!/bin/sh
# Starts libvirtd for the libvirt driver on a machine without systemd (a CI container,
# say), the way notes on this project's CI machines found it must be done: the daemon's
# compiled-in user must exist, virtlogd must run first, and QEMU must be allowed to fork
# (the user-mode network runs a helper per metadata connection). Safe to run again: it
# changes and starts only what is missing. Needs root.
set -eu

command -v libvirtd >/dev/null 2>&1 || { echo "start-libvirtd: libvirtd is not installed (scripts/setup.sh installs it)" >&2; exit 1; }

getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
  useradd --system --no-create-home --home-dir /var/lib/libvirt --gid libvirt-qemu --shell /usr/sbin/nologin libvirt-qemu

# Debian's libvirt-daemon (without -system) ships no qemu.conf; settings missing from it are added.
conf=/etc/libvirt/qemu.conf
mkdir -p /etc/libvirt
touch "$conf"
ensure() {
  grep -Eq "^[[:space:]]*$1[[:space:]]*=" "$conf" || printf '%s\n' "$2" >> "$conf"
}
# guestfwd's cmd: form forks a helper, which libvirt's default seccomp sandbox kills.
ensure seccomp_sandbox 'seccomp_sandbox = 0'
# Instance directories may be private (0700) temp dirs; QEMU runs as root to read them.
ensure user 'user = "root"'
ensure group 'group = "root"'

mkdir -p /var/log/libvirt/qemu /var/lib/libvirt /run/libvirt
pidof virtlogd >/dev/null 2>&1 || virtlogd -d
pidof libvirtd >/dev/null 2>&1 || libvirtd -d

tries=0
until virsh -c qemu:///system version >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "start-libvirtd: libvirtd did not answer within 30 s" >&2; exit 1; }
  sleep 0.5
done
echo "libvirtd is running ($(virsh -c qemu:///system version --daemon 2>/dev/null | sed -n 's/.*daemon: *//p' | head -n 1))"
