#!/bin/bash
# fetch-kernel.sh: download Debian's cloud kernel package and unpack it into
# the VM cache directory ($top_builddir/t/vm/cache by default).
#
# Prints the cache directory's kernel release on stdout when done; the
# unpacked tree is in $CACHE/root and the ready marker in $CACHE/release.
# Idempotent, and safe to run concurrently (flock on $CACHE/.lock).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${top_builddir:-}" ]; then
	cache=${VM_CACHE:-$top_builddir/t/vm/cache}
else
	cache=${VM_CACHE:-$here/cache}
fi
meta=${VM_KERNEL_PACKAGE:-linux-image-cloud-amd64}

die() { echo "fetch-kernel: $*" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || die "timed out waiting for the lock on $cache/.lock"

if [ -s "$cache/release" ] && [ -d "$cache/root/boot" ]; then
	cat "$cache/release"
	exit 0
fi

command -v apt-cache >/dev/null || die "apt-cache not found (not a Debian system?)"
command -v dpkg >/dev/null || die "dpkg not found"

# Which versioned image does the meta package name?
versioned() {
	apt-cache depends "$meta" 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1
}
pkg=$(versioned || true)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: apt-cache knows no $meta; running apt-get update" >&2
	apt-get update -qq >&2 || die "apt-get update failed"
	pkg=$(versioned || true)
fi
[ -n "$pkg" ] || die "apt-cache depends $meta names no linux-image package"

dl=$(mktemp -d "$cache/dl.XXXXXX")
chmod 755 "$dl"	# lets apt fetch as _apt, without a warning
trap 'rm -rf "$dl"' EXIT
echo "fetch-kernel: downloading $pkg" >&2
(cd "$dl" && timeout 600 apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
    die "apt-get download $pkg failed (no network or no Debian mirror?)"
deb=$(ls "$dl"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download produced no .deb"

rm -rf "$cache/root" "$cache/root.new"
mkdir -p "$cache/root.new"
dpkg -x "$deb" "$cache/root.new" || die "dpkg -x $deb failed"
mv "$cache/root.new" "$cache/root"

release=$(ls "$cache/root/lib/modules" 2>/dev/null | head -n 1)
[ -n "$release" ] || die "no lib/modules/<release> in $pkg"
# The package leaves modules.dep to its postinst: make it here.
PATH=$PATH:/usr/sbin:/sbin depmod -b "$cache/root" "$release" ||
    die "depmod -b $cache/root $release failed"
[ -f "$cache/root/boot/vmlinuz-$release" ] || die "no boot/vmlinuz-$release in $pkg"
echo "$release" > "$cache/release.new"
mv "$cache/release.new" "$cache/release"
echo "$release"
