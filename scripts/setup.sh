#!/bin/sh
# Installs what nova-ts needs on a Debian 12 machine with Node 20: the Debian packages
# (compilers for the SQLite binding; ssh-keygen and the OpenStack clients the tests check
# against; QEMU, qemu-img and the tools that build config drives and the test guest; libvirt
# for the libvirt driver; the host networking tools of nova-network) and the npm
# dependencies, then starts libvirtd when this machine has no init doing it.
# Safe to run again: it installs and starts only what is missing.
set -eu
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != "20" ]; then
  echo "nova-ts needs Node 20 (found $(node --version))" >&2
  exit 1
fi

packages="python3 make g++ openssh-client openssl python3-openstackclient python3-novaclient"
# nova-network's real host plumbing (network_driver = nova.network.linux_net) and its namespace
# tests: dnsmasq, dhcp_release, iptables/ebtables, arping, and busybox's udhcpc for the test guest.
# (radvd is needed too when use_ipv6 is on; the tests do not use it.)
packages="$packages iproute2 dnsmasq-base dnsmasq-utils iptables iputils-arping busybox-static"
# Real hypervisors (the qemu and libvirt compute drivers) and the test guest (scripts/build-test-image.sh).
packages="$packages qemu-system-x86 qemu-utils genisoimage socat cpio syslinux syslinux-common mtools dosfstools"
packages="$packages libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients"
# The EC2 and S3 end-to-end test drives the real awscli: Debian's, unless one is installed.
command -v aws >/dev/null 2>&1 || packages="$packages awscli"
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

# `npm ci`, not `npm install`: it installs exactly what the committed lockfile pins and
# never writes the lockfile, so setting up leaves the working tree as cloned (a plain
# `npm install` with npm 11 may rewrite it, adding or dropping optional platform
# packages). It runs only when the lockfile is newer than the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# libvirtd needs starting by hand where nothing else starts daemons (no systemd); as root only.
if [ "$(id -u)" -eq 0 ] && ! pidof libvirtd >/dev/null 2>&1 && [ ! -d /run/systemd/system ]; then
  sh scripts/start-libvirtd.sh
fi
