# dtlscost.bash: what DTLS costs per packet on this host's CPU, for each
# cipher sctptund negotiates (PSK: ChaCha20-Poly1305; ECDSA certificates:
# AES-128-GCM) and packet size, through the real engine (t/bench/
# dtlsbench.c: two engines in one process).  The throughput benchmark's
# DTLS modes run under qemu's software emulation, where AES-NI and vector
# instructions are emulated too, so their ratios overstate the cost of
# cryptography; this one measures it natively.
# Environment: BENCH_DTLS_PACKETS (default 200000), BENCH_SIZES ("100
# 1000"), and the harness's top_srcdir, top_builddir.
. "$T_LIB/tap.sh"
. "$T_LIB/topo.sh"
. "$T_LIB/sctptun.sh"
. "$T_LIB/dtls.sh"

npkt=${BENCH_DTLS_PACKETS:-200000}
sizes=${BENCH_SIZES:-100 1000}
bench=$top_builddir/t/bench/dtlsbench

command -v openssl > /dev/null || { echo "dtlscost: no openssl" >&2; exit 1; }
make -s -C "$top_builddir" t/bench/dtlsbench >&2 || exit 1
dtls_keys "$T_WORK/keys" || exit 1

# Configuration files a and b for the pair, PSK or certificates.
confs() {
	unset STUN_DTLS STUN_PEER_DTLS
	if [ "$1" = psk ]; then
		dtls_psk a pair "$T_WORK/keys/psk"
	else
		dtls_cert a "$T_WORK/keys/ca.pem"
	fi
	stun_conf a 192.0.2.2/32
	[ "$1" = cert ] && dtls_cert b "$T_WORK/keys/ca.pem"
	stun_conf b 192.0.2.1/32
}

echo "  CPU per packet for DTLS, one core of $(nproc) ($(uname -m)," \
    "$(openssl version)), $npkt packets each:"
for auth in psk cert; do
	confs $auth
	for size in $sizes; do
		printf '    %-4s ' "$auth"
		"$bench" "$T_WORK/a.conf" "$T_WORK/b.conf" "$npkt" "$size" ||
		    exit 1
	done
done
