#!/usr/bin/env bash
# Installs the Debian packages Rafiki needs, idempotently: only the missing ones, and apt-get is
# not run at all when nothing is missing. Used by Scripts/quickstart.sh and .ci/run.
#
#   Scripts/setup.sh            what `swift build` needs (C headers of the libraries we link)
#   Scripts/setup.sh --test     also the reference peers and tools the tests run against
#   Scripts/setup.sh --list     print the packages of the chosen groups and exit
#
# As root it runs apt-get directly; otherwise through sudo when sudo is installed, else it stops
# and says which packages to install.
set -euo pipefail

# Headers and pkg-config files of the system libraries the Swift targets link (CArgon2, CZlib, CGit2,
# GRDB's SQLite). Swift itself and its own dependencies are not listed: the toolchain brings them.
build_packages=(libargon2-dev zlib1g-dev libsqlite3-dev libgit2-dev libssl-dev pkg-config)
# The reference peers (OpenDHT, jamid and its D-Bus harness), PostgreSQL for the name server's
# store tests, coturn for the TURN relay tests, git (its own reader and server check our swarm
# repositories), and the tools the tests compare against or drive.
test_packages=(python3-opendht libopendht-c2 python3-msgpack python3-cryptography dhtnode
               jami-daemon dbus python3-dbus python3-gi iproute2
               postgresql wrk gnutls-bin openssl coturn git)

packages=("${build_packages[@]}")
list_only=false
for arg in "$@"; do
  case "$arg" in
    --test) packages+=("${test_packages[@]}") ;;
    --list) list_only=true ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

if $list_only; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "setup.sh: this is not a Debian-like system (no dpkg/apt-get)." >&2
  echo "Install the equivalents of: ${packages[*]}" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
  echo "setup.sh: installing with sudo: ${missing[*]}"
else
  echo "setup.sh: these Debian packages are missing: ${missing[*]}" >&2
  echo "Install them as root (apt-get install ${missing[*]}), or install sudo, then run this again." >&2
  exit 1
fi

echo "installing: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
