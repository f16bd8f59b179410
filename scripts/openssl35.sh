#!/usr/bin/env bash
# OpenSSL 3.5 as a second `openssl cmp` client for the interop tests, without
# touching the system: Debian trixie's openssl, libssl3t64 and the libraries
# they need (trixie's libc6 with its own loader, libzstd1, zlib1g) are
# downloaded with apt-get through a private sources list and unpacked with
# dpkg -x. No root, no dpkg database, no change to /etc or /var.
#
#   scripts/openssl35.sh [DEST]      default DEST: <repo>/.cache/openssl35
#
# Prints the path of DEST/openssl, a wrapper that runs trixie's binary with
# trixie's loader, libraries, provider modules and openssl.cnf. Idempotent:
# when DEST/openssl already answers "OpenSSL 3.5", nothing is downloaded.
# The install is atomic: everything is unpacked and checked in a temporary
# folder next to DEST, which is then renamed to DEST; concurrent runs wait
# for each other (flock).
#
# Environment: OPENSSL35_MIRROR (default http://deb.debian.org/debian),
# OPENSSL35_SUITE (default trixie).
set -euo pipefail

say() { printf 'openssl35.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$root_dir/.cache/openssl35}
mirror=${OPENSSL35_MIRROR:-http://deb.debian.org/debian}
suite=${OPENSSL35_SUITE:-trixie}
packages=(openssl libssl3t64 libc6 libzstd1 zlib1g)

# True when $1/openssl runs and is OpenSSL 3.5.
works() {
  [ -x "$1/openssl" ] || return 1
  local version
  version=$("$1/openssl" version 2>/dev/null) || return 1
  [[ $version == "OpenSSL 3.5."* ]]
}

mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")

if works "$dest"; then
  echo "$dest/openssl"
  exit 0
fi

for tool in apt-get dpkg dpkg-deb; do
  command -v "$tool" >/dev/null || die "needs $tool (a Debian or Ubuntu machine); not found"
done
case $(dpkg --print-architecture) in
  amd64) triplet=x86_64-linux-gnu loader=ld-linux-x86-64.so.2 ;;
  arm64) triplet=aarch64-linux-gnu loader=ld-linux-aarch64.so.1 ;;
  *) die "architecture $(dpkg --print-architecture) is not supported (amd64, arm64)" ;;
esac
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "needs $keyring (package debian-archive-keyring) to check the $suite archive"

# One install at a time; the second run finds the first one's result.
if command -v flock >/dev/null; then
  exec 9>"$dest.lock"
  flock 9
  if works "$dest"; then
    echo "$dest/openssl"
    exit 0
  fi
fi

work=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/apt/cache" "$work/apt/sources" "$work/apt/empty" "$work/debs" "$work/out/root"
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$mirror" "$suite" "$keyring" >"$work/apt/sources/$suite.sources"
apt=(
  -o Dir::Etc::SourceList=/dev/null
  -o "Dir::Etc::SourceParts=$work/apt/sources"
  -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=$work/apt/empty"
  -o "Dir::State::Lists=$work/apt/lists"
  -o "Dir::State::status=/dev/null"
  -o "Dir::Cache=$work/apt/cache"
  -o "Dir::Cache::Archives=$work/apt/archives"
  -o Acquire::Languages=none
  -o APT::Update::Error-Mode=any
  -o Debug::NoLocking=true
)
# As root, apt downloads as _apt, who cannot write into this private folder.
[ "$(id -u)" != 0 ] || apt+=(-o APT::Sandbox::User=root)

say "downloading ${packages[*]} from $mirror $suite"
if ! log=$(apt-get "${apt[@]}" update 2>&1); then
  die "apt-get could not read the $suite package lists from $mirror (no network, a proxy, or the mirror is down; set OPENSSL35_MIRROR for another mirror):
$log"
fi
if ! log=$(cd "$work/debs" && apt-get "${apt[@]}" download "${packages[@]}" 2>&1); then
  die "apt-get could not download ${packages[*]} from $mirror $suite:
$log"
fi
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$work/out/root"
done
(cd "$work/debs" && ls *.deb) >"$work/out/packages.txt"

lib=root/usr/lib/$triplet
[ -x "$work/out/$lib/$loader" ] || die "the unpacked libc6 has no $lib/$loader"
[ -x "$work/out/root/usr/bin/openssl" ] || die "the unpacked openssl package has no usr/bin/openssl"

# The wrapper finds its folder at run time, so the folder can be renamed.
# trixie's loader and libraries only (--library-path, not LD_LIBRARY_PATH,
# so that nothing the binary starts inherits them); trixie's openssl.cnf and
# module folders, never the system's 3.0 ones (trixie ships the legacy
# provider in another package, so its ossl-modules folder does not exist and
# -provider legacy fails instead of loading 3.0's module). OPENSSL_CONF set
# by the caller wins.
cat >"$work/out/openssl" <<WRAPPER
#!/bin/sh
here=\$(dirname "\$(readlink -f "\$0")")
lib="\$here/$lib"
export OPENSSL_MODULES="\$lib/ossl-modules" OPENSSL_ENGINES="\$lib/engines-3"
export OPENSSL_CONF="\${OPENSSL_CONF:-\$here/root/etc/ssl/openssl.cnf}"
exec "\$lib/$loader" --library-path "\$lib" "\$here/root/usr/bin/openssl" "\$@"
WRAPPER
chmod +x "$work/out/openssl"
works "$work/out" || die "the unpacked openssl does not run as OpenSSL 3.5: $("$work/out/openssl" version 2>&1 || true)"

rm -rf "$dest"
mv "$work/out" "$dest"
say "installed $("$dest/openssl" version)"
echo "$dest/openssl"
