#!/bin/sh
# image: examples/image/build.sh makes an OCI image layout from the build
# tree with umoci, no daemon and no network; the image's entry point is
# "sctptund -d -f /etc/sctptun.conf", it carries the sample configuration,
# and its unpacked root file system runs "sctptund -n" under chroot, which
# proves that every shared library the programs need is inside.
# Skipped when umoci is not installed; the chroot tests need root.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
export top_srcdir top_builddir

if ! command -v umoci >/dev/null 2>&1; then
	echo "1..0 # SKIP umoci not installed (apt-get install umoci)"
	exit 0
fi
if [ ! -x "$top_builddir/proxy/sctptund" ] ||
    [ ! -x "$top_builddir/examples/sctp_echo" ]; then
	echo "1..0 # SKIP programs not built in $top_builddir"
	exit 0
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
layout=$tmp/oci
tag=check
n=0
failed=0
root=0
[ "$(id -u)" -eq 0 ] && root=1

echo "1..9"

# ok STATUS DESCRIPTION [FILE]: a test result; FILE is shown on failure.
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		[ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/# /' "$3"
	fi
}

# skip DESCRIPTION REASON
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# blob DIGEST: the path of a blob of the layout.
blob() {
	echo "$layout/blobs/sha256/${1#sha256:}"
}

sh "$top_srcdir/examples/image/build.sh" -o "$layout" -t "$tag" \
    >"$tmp/build.log" 2>&1
ok $? "build.sh builds the image" "$tmp/build.log"

test -f "$layout/oci-layout" && test -f "$layout/index.json" &&
    grep -q '"imageLayoutVersion"' "$layout/oci-layout"
ok $? "the OCI image layout exists"

# index.json -> manifest -> config, read without a JSON tool.
manifest=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$layout/index.json" |
    head -n 1 | sed 's/.*"\(sha256:[0-9a-f]*\)"/\1/')
config=$(grep -o '"config":{[^}]*}' "$(blob "$manifest")" 2>/dev/null |
    grep -o 'sha256:[0-9a-f]*')
grep -q '"org.opencontainers.image.ref.name":"'"$tag"'"' \
    "$layout/index.json" && [ -f "$(blob "$config")" ]
ok $? "the index names the tag and its manifest and config exist" \
    "$layout/index.json"

want='"Entrypoint":\["/usr/sbin/sctptund","-d","-f","/etc/sctptun.conf"\]'
cfg=$(blob "$config")
grep -q "$want" "$cfg" 2>/dev/null && ! grep -q '"Cmd":\[' "$cfg"
ok $? "the entry point is sctptund -d -f /etc/sctptun.conf, no Cmd" "$cfg"

umoci unpack $( [ $root -eq 1 ] || echo --rootless ) \
    --image "$layout:$tag" "$tmp/bundle" >"$tmp/unpack.log" 2>&1
ok $? "umoci unpacks the image" "$tmp/unpack.log"
rootfs=$tmp/bundle/rootfs

cmp -s "$top_srcdir/etc/sctptun.conf" "$rootfs/etc/sctptun.conf"
ok $? "the image carries the sample configuration"

if [ $root -eq 0 ]; then
	skip "sctptund -n runs in the image" "chroot needs root"
	skip "every program finds its libraries in the image" \
	    "chroot needs root"
	skip "a broken configuration fails in the image" "chroot needs root"
else
	chroot "$rootfs" /usr/sbin/sctptund -n -f /etc/sctptun.conf \
	    >"$tmp/n.log" 2>&1 && grep -q "configuration OK" "$tmp/n.log"
	ok $? "sctptund -n -f /etc/sctptun.conf runs in the image" \
	    "$tmp/n.log"

	# The image's own loader lists each program's libraries: any
	# "not found" would be a library build.sh forgot.
	loader=$(cd "$rootfs" && ls lib64/ld-linux-*.so.* \
	    lib/ld-linux*.so.* 2>/dev/null | head -n 1)
	: >"$tmp/libs.log"
	rc=1
	if [ -n "$loader" ]; then
		rc=0
		for p in /usr/sbin/sctptund /usr/sbin/sctptunctl \
		    /usr/bin/sctp_echo; do
			chroot "$rootfs" "/$loader" --list "$p" \
			    >>"$tmp/libs.log" 2>&1 || rc=1
		done
		grep -q "not found" "$tmp/libs.log" && rc=1
	fi
	ok $rc "every program finds its libraries in the image" \
	    "$tmp/libs.log"

	# A control: the same check must fail on a broken file, or the
	# test above proves nothing.
	printf 'udp_port = 0;\npeers = ();\n' >"$rootfs/tmp/bad.conf"
	chroot "$rootfs" /usr/sbin/sctptund -n -f /tmp/bad.conf \
	    >"$tmp/bad.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] && grep -q "/tmp/bad.conf:1:" "$tmp/bad.log"
	ok $? "a broken configuration fails in the image (status $rc)" \
	    "$tmp/bad.log"
fi

exit $failed
