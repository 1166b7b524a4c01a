#!/bin/sh
# build.sh: build an OCI container image of sctptun without a Docker
# daemon and without network access.
#
# The root file system is made from the build tree, not from a
# distribution: sctptund, sctptunctl and sctp_echo, the shared libraries
# that ldd says they load (and the dynamic loader), the sample
# configuration, and the few directories the daemon writes to.  umoci
# turns it into one layer of an OCI image layout, whose entry point is
# "sctptund -d -f /etc/sctptun.conf" (foreground, logs on stderr, as
# container runtimes want).
#
# Usage (from the build directory, after make):
#   top_srcdir=/path/to/src top_builddir=. examples/image/build.sh \
#       [-o oci-layout-dir] [-t tag] [-c sctptun.conf]
# Then, for instance:
#   skopeo copy oci:sctptun-oci:TAG docker-daemon:sctptun:TAG
#   skopeo copy oci:sctptun-oci:TAG docker://registry.example/sctptun:TAG
#   podman pull oci:sctptun-oci:TAG
#
# Needs: umoci (Debian: apt-get install umoci), ldd, cp, tar.  As a non-root
# user it builds with "umoci --rootless" (files still owned by 0 in the
# image).

set -eu

me=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-.}
layout=sctptun-oci
tag=
conf=$top_srcdir/etc/sctptun.conf

die() { echo "$me: $*" >&2; exit 1; }

while getopts o:t:c: opt; do
	case $opt in
	o) layout=$OPTARG ;;
	t) tag=$OPTARG ;;
	c) conf=$OPTARG ;;
	*) die "usage: $me [-o layout] [-t tag] [-c config]" ;;
	esac
done

command -v umoci >/dev/null 2>&1 ||
    die "umoci not found (apt-get install umoci)"
command -v ldd >/dev/null 2>&1 || die "ldd not found"

sctptund=$top_builddir/proxy/sctptund
sctptunctl=$top_builddir/proxy/sctptunctl
sctp_echo=$top_builddir/examples/sctp_echo
for f in "$sctptund" "$sctptunctl" "$sctp_echo"; do
	[ -x "$f" ] || die "$f: not built (run make; set top_builddir)"
done
[ -r "$conf" ] || die "$conf: no configuration"

if [ -z "$tag" ]; then
	tag=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile" \
	    2>/dev/null || true)
	tag=${tag:-latest}
fi

rootless=
[ "$(id -u)" -eq 0 ] || rootless=--rootless

work=$(mktemp -d "${TMPDIR:-/tmp}/sctptun-image.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The bundle's rootfs comes from umoci unpack of the empty image, so that
# umoci knows the layer's base and the repack holds exactly our files.
if [ ! -f "$layout/oci-layout" ]; then
	umoci init --layout "$layout"
fi
umoci new --image "$layout:$tag"
umoci unpack $rootless --image "$layout:$tag" "$work/bundle"
root=$work/bundle/rootfs

# Debian's merged /usr: /lib and /lib64 are links into /usr, so that the
# paths ldd prints (/lib/x86_64-linux-gnu/...) land in /usr.
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" \
    "$root/usr/lib64" "$root/etc" "$root/run/sctptun" "$root/tmp" \
    "$root/dev" "$root/proc" "$root/sys"
for d in bin sbin lib lib64; do
	ln -sfn "usr/$d" "$root/$d"
done
chmod 1777 "$root/tmp"
chmod 0750 "$root/run/sctptun"

# Put a program in the image, stripped when strip is there.
install_bin() {
	cp "$1" "$root$2"
	chmod 0755 "$root$2"
	if command -v strip >/dev/null 2>&1; then
		strip --strip-unneeded "$root$2" 2>/dev/null || true
	fi
}

install_bin "$sctptund" /usr/sbin/sctptund
install_bin "$sctptunctl" /usr/sbin/sctptunctl
install_bin "$sctp_echo" /usr/bin/sctp_echo

# Copy every shared object ldd lists (the loader included) to the same
# path in the image, following symbolic links.
for f in "$sctptund" "$sctptunctl" "$sctp_echo"; do
	ldd "$f" >>"$work/ldd" || die "ldd $f failed (not dynamic?)"
done
if grep -q 'not found' "$work/ldd"; then
	die "libraries not found: $(grep 'not found' "$work/ldd" | tr -s '\n\t' '  ')"
fi
awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }' \
    "$work/ldd" | sort -u >"$work/libs"
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done <"$work/libs"

cp "$conf" "$root/etc/sctptun.conf"
chmod 0644 "$root/etc/sctptun.conf"
# sctptun: the user sctptund drops to (user = "sctptun" in sctptun.conf).
printf 'root:x:0:0:root:/:/usr/sbin/nologin\nsctptun:x:999:999:sctptund:/:/usr/sbin/nologin\n' \
    >"$root/etc/passwd"
printf 'root:x:0:\nsctptun:x:999:\n' >"$root/etc/group"

umoci repack --image "$layout:$tag" "$work/bundle"
umoci config --image "$layout:$tag" \
    --config.entrypoint /usr/sbin/sctptund \
    --config.entrypoint -d \
    --config.entrypoint -f \
    --config.entrypoint /etc/sctptun.conf \
    --clear=config.cmd \
    --config.workingdir / \
    --config.exposedports 9899/udp \
    --config.label org.opencontainers.image.title=sctptun \
    --config.label "org.opencontainers.image.description=SCTP over UDP (RFC 6951) for kernel SCTP applications" \
    --config.label "org.opencontainers.image.version=$tag"
umoci gc --layout "$layout"

echo "$me: built $layout:$tag"
