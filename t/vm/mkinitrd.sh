#!/bin/bash
# mkinitrd.sh: build the initramfs the scenario VM boots.
#
# Two archives, concatenated by run.sh into the one image qemu loads:
#
#   mkinitrd.sh
#	the base image (gzip'd newc cpio): busybox as the init helper, the
#	kernel modules the tests need (with modules.dep, and kmod's modprobe so
#	that the kernel can autoload more), the host programs the scenarios run
#	and their shared libraries, at the host's own paths.  Rebuilt only when
#	an input is newer than the image or the list of inputs changed; flock'd
#	so that parallel tests build it once.  Prints the image's path.
#
#   mkinitrd.sh --overlay OUT STAGE FILE...
#	a small uncompressed cpio made fresh for every VM run: STAGE (files the
#	caller already put there) plus each FILE (a file or a directory,
#	recursively) at its canonical absolute path, plus the shared libraries
#	of the ELF files among them.  This is how the project's binaries, the
#	scenario libraries and bodies get in: always the current ones.
#
# Environment: top_builddir (cache in $top_builddir/t/vm/cache, else next to
# this script), VM_CACHE (overrides the cache directory).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${top_builddir:-}" ]; then
	cache=${VM_CACHE:-$top_builddir/t/vm/cache}
else
	cache=${VM_CACHE:-$here/cache}
fi
PATH=$PATH:/usr/sbin:/sbin

die() { echo "mkinitrd: $*" >&2; exit 1; }

# Programs the scenarios need: missing ones are an error.
required_progs="bash sh ip nft socat iperf3 sctp_test sctp_darn tc sysctl timeout
    modprobe"
# Programs worth having when the host has them (GNU tools behave the same in
# both environments, unlike busybox's applets).
optional_progs="ss sctp_status checksctp withsctp conntrack tcpdump strace nstat
    ping cmp diff mawk gawk grep sed sort uniq wc seq stat od sha256sum
    md5sum cat dd head tail tr cut date sleep kill env mktemp tee xargs ps
    nproc lsmod insmod rmmod realpath readlink basename dirname printf
    touch rm mkdir ls cp mv ln chmod find hexdump xxd bc setpriv openssl
    base64"
# Kernel modules to load at boot, with their dependencies (missing ones are
# skipped with a warning; the kernel may autoload others via modprobe).
boot_modules="sctp sctp_diag tun veth dummy ifb nfnetlink nf_tables
    nf_conntrack nf_nat nft_chain_nat nft_masq nft_nat nft_ct nft_fib_inet
    nft_reject_inet nft_limit nft_log nft_numgen nft_hash nft_redir
    nft_queue nfnetlink_queue nf_conntrack_netlink inet_diag udp_diag
    tcp_diag sch_netem sch_tbf sch_htb sch_ingress sch_prio cls_u32
    cls_matchall cls_flower cls_bpf act_mirred act_gact"
etc_files="/etc/protocols /etc/services /etc/nsswitch.conf /etc/iproute2
    /usr/share/iproute2"

# Copy one file to STAGE at the same path, with its directory canonical so
# that the merged-/usr symlinks of the image (lib -> usr/lib) stay links.
stage_file() {
	local stage=$1 f=$2 d
	d=$(realpath -e "$(dirname "$f")") || die "no directory for $f"
	mkdir -p "$stage$d"
	cp -L --preserve=mode "$f" "$stage$d/$(basename "$f")"
}

# Copy the shared libraries (and the ELF interpreter) an ELF file needs.
stage_libs() {
	local stage=$1 f=$2 lib
	head -c 4 "$f" 2>/dev/null | grep -q 'ELF' || return 0
	for lib in $(ldd "$f" 2>/dev/null |
	    sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[ -e "$stage$lib" ] || stage_file "$stage" "$lib"
	done
}

# The init script the kernel runs (busybox sh).  The per-run overlay adds
# /sctptun/run.sh (the body's environment and command) and /sctptun/marker.
write_init() {
	cat > "$1/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bbin
/bin/busybox --install -s /bbin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/bbin
export HOME=/root TERM=dumb LANG=C
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# /tmp and /run stay on the initramfs itself (already in memory): a tmpfs
# there would hide the overlay when the source or build tree lives under
# them, as CI's clones may.
chmod 1777 /tmp
mkdir -p /dev/pts /dev/shm /run/netns /root
mount -t tmpfs -o mode=755 tmpfs /run/netns
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
stty -onlcr 2>/dev/null
hostname sctptun-vm
ip link set lo up
while read -r m; do
	insmod "$m" 2>/dev/null || echo "init: insmod $m failed" >/dev/kmsg
done < /etc/sctptun-modules
mark=$(cat /sctptun/marker 2>/dev/null)
echo "$mark-BEGIN"
if [ -f /sctptun/run.sh ]; then
	bash /sctptun/run.sh </dev/null
	rc=$?
else
	echo "init: no /sctptun/run.sh in the initramfs"
	rc=99
fi
echo "$mark-EXIT $rc"
sync
poweroff -f
sleep 5
echo o > /proc/sysrq-trigger
INIT
	chmod 755 "$1/init"
}

# Stage the kernel modules and the boot load list.
stage_modules() {
	local stage=$1 rel=$2 root=$cache/root m line path dst seen=
	local mdir=/usr/lib/modules/$rel
	: > "$stage/etc/sctptun-modules"
	for m in $boot_modules; do
		if ! line=$(modprobe -d "$root" -S "$rel" --show-depends "$m" \
		    2>/dev/null); then
			echo "mkinitrd: warning: no module $m in $rel" >&2
			continue
		fi
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue
			dst=$mdir/${path#"$root"/lib/modules/"$rel"/}
			case " $seen " in *" $dst "*) continue ;; esac
			seen="$seen $dst"
			mkdir -p "$stage$(dirname "$dst")"
			cp "$path" "$stage$dst"
			echo "$dst" >> "$stage/etc/sctptun-modules"
		done <<< "$line"
	done
	cp "$root/lib/modules/$rel"/modules.{order,builtin,builtin.modinfo} \
	    "$stage$mdir/"
	depmod -b "$stage/usr" "$rel" || die "depmod on the staged modules failed"
}

# Resolve the program list to paths (the inputs of the base image).
program_paths() {
	local p path
	for p in $required_progs; do
		path=$(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		    type -P "$p") || die "required program $p not found on the host"
		echo "$path"
	done
	for p in $optional_progs; do
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		    type -P "$p" || true
	done
}

# Build the base image into $1.
build_base() {
	local img=$1 rel=$2 stage p
	stage=$(mktemp -d "$cache/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/usr/{bin,sbin,lib,lib64} "$stage"/etc "$stage"/root
	ln -s usr/bin "$stage/bin"
	ln -s usr/sbin "$stage/sbin"
	ln -s usr/lib "$stage/lib"
	ln -s usr/lib64 "$stage/lib64"
	cp "$busybox" "$stage/usr/bin/busybox"
	write_init "$stage"
	for p in $progs; do
		stage_file "$stage" "$p"
		stage_libs "$stage" "$p"
	done
	for p in $etc_files; do
		[ -e "$p" ] || continue
		mkdir -p "$stage$(dirname "$p")"
		cp -rL "$p" "$stage$p"
	done
	echo 'root:x:0:0:root:/root:/bin/bash' > "$stage/etc/passwd"
	echo 'root:x:0:' > "$stage/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' > "$stage/etc/hosts"
	stage_modules "$stage" "$rel"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	    cpio -o -H newc -R 0:0 --quiet | gzip -1) > "$img.tmp" ||
	    die "cpio/gzip of the base image failed"
	# Pad to 512 bytes: the kernel wants the next archive 4-byte aligned.
	truncate -s %512 "$img.tmp"
	mv "$img.tmp" "$img"
	rm -rf "$stage"
	trap - EXIT
}

# Per-run overlay: mkinitrd.sh --overlay OUT STAGE FILE...
if [ "${1:-}" = --overlay ]; then
	[ $# -ge 3 ] || die "usage: mkinitrd.sh --overlay OUT STAGE FILE..."
	out=$2 stage=$3
	shift 3
	for f in "$@"; do
		[ -e "$f" ] || continue
		f=$(realpath -e "$f")
		if [ -d "$f" ]; then
			mkdir -p "$stage$f"
			cp -rL "$f/." "$stage$f/"
		else
			stage_file "$stage" "$f"
			stage_libs "$stage" "$f"
		fi
	done
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	    cpio -o -H newc -R 0:0 --quiet) > "$out" ||
	    die "cpio of the overlay failed"
	exit 0
fi

[ -s "$cache/release" ] || die "no kernel in $cache: run fetch-kernel.sh first"
rel=$(cat "$cache/release")
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
    die "$busybox is not static (apt-get install busybox-static)"
progs=$(program_paths | LC_ALL=C sort -u)
img=$cache/initrd-base-$rel.img

exec 8>"$cache/.mkinitrd.lock"
flock -w 900 8 || die "timed out waiting for $cache/.mkinitrd.lock"

# Inputs: this script, the kernel, busybox, the programs and their libraries.
inputs=$( { echo "$0"; echo "$cache/release"; echo "$busybox";
    for p in $progs; do
	echo "$p"
	{ ldd "$p" 2>/dev/null || true; } | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'
    done; } | LC_ALL=C sort -u)
stale=
if [ ! -s "$img" ] || [ "$(cat "$img.inputs" 2>/dev/null)" != "$inputs" ]; then
	stale=1
else
	for f in $inputs; do
		if [ "$f" -nt "$img" ]; then stale=1; break; fi
	done
fi
if [ -n "$stale" ]; then
	echo "mkinitrd: building $img" >&2
	build_base "$img" "$rel"
	printf '%s\n' "$inputs" > "$img.inputs"
fi
echo "$img"
