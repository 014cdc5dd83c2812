#!/bin/sh
# Installs what nova-ts needs on a Debian 12 machine with Node 20: the Debian packages
# (compilers for the SQLite binding; the clients used by tests) and the npm dependencies.
# Safe to run again: it installs only what is missing.
set -eu
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != "20" ]; then
  echo "nova-ts needs Node 20 (found $(node --version))" >&2
  exit 1
fi

packages="python3 make g++ openssl python3-openstackclient python3-novaclient"
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

# `npm install` from the committed lockfile, not `npm ci`: the lockfile cannot list
# Biome's binaries for other platforms (the registry here does not serve them), and
# `npm ci` refuses a lockfile that lacks an optional dependency. With the lockfile present,
# `npm install` installs exactly the pinned versions and leaves it unchanged.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
