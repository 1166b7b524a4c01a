#!/bin/sh
# Installs what building sctptun and running its tests and demo need on
# Debian 12 (and Ubuntu 22.04+).  Run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libevent-dev libconfig-dev libsctp-dev lksctp-tools \
	libssl-dev openssl \
	iproute2 nftables socat iperf3 kmod cpio \
	qemu-system-x86 busybox-static \
	valgrind umoci ca-certificates > /dev/null
# clang and its libFuzzer runtime, for make fuzz: without them CI skips
# its fuzzing run, so a release lacking them is no error.
apt-get install -y -qq --no-install-recommends clang libclang-rt-dev \
	> /dev/null || echo "no clang or libclang-rt-dev: make fuzz cannot build"
# The eBPF fast path: clang (-target bpf), llvm, libbpf and bpftool (its
# own package since bookworm).  Without them configure builds sctptund
# without the fast path, so a release lacking them is no error either.
apt-get install -y -qq --no-install-recommends clang llvm libbpf-dev bpftool \
	> /dev/null || echo "no clang, llvm, libbpf-dev or bpftool: no eBPF fast path"
# make bench's packet pump compares sctptund with the user-space WireGuard;
# without it that mode is skipped, so a release lacking it is no error.
apt-get install -y -qq --no-install-recommends wireguard-go wireguard-tools \
	> /dev/null ||
	echo "no wireguard-go or wireguard-tools: make bench skips that mode"
echo "dependencies installed"
