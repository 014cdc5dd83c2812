#!/bin/sh
# Installs what nova-ts needs on a Debian 12 machine with Node 20: the Debian packages
# (compilers for the SQLite binding; the clients used by tests; QEMU, qemu-img and the
# tools that build config drives and the test guest; libvirt for the libvirt driver) and
# the npm dependencies, then starts libvirtd when this machine has no init doing it.
# Safe to run again: it installs and starts only what is missing.
set -eu
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != "20" ]; then
  echo "nova-ts needs Node 20 (found $(node --version))" >&2
  exit 1
fi

packages="python3 make g++ python3-openstackclient python3-novaclient"
# Real hypervisors (the qemu and libvirt compute drivers) and the test guest (scripts/build-test-image.sh).
packages="$packages qemu-system-x86 qemu-utils genisoimage socat busybox-static cpio syslinux syslinux-common mtools dosfstools"
packages="$packages libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients"
missing=""
for pkg in $packages; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing Debian packages:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# `npm install` from the committed lockfile, not `npm ci`: the lockfile cannot list
# Biome's binaries for other platforms (the registry here does not serve them), and
# `npm ci` refuses a lockfile that lacks an optional dependency. With the lockfile present,
# `npm install` installs exactly the pinned versions and leaves it unchanged.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

# libvirtd needs starting by hand where nothing else starts daemons (no systemd); as root only.
if [ "$(id -u)" -eq 0 ] && ! pidof libvirtd >/dev/null 2>&1 && [ ! -d /run/systemd/system ]; then
  sh scripts/start-libvirtd.sh
fi
