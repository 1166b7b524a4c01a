# dtls.sh: keys, configurations and guards for the DTLS scenarios.  Needs
# tap.sh, topo.sh and sctptun.sh sourced first, and openssl.
#
#   dtls_keys DIR          a test CA and certificates for a and b it signed,
#                          a rogue CA with its own certificate for b, and
#                          PSK files psk, psk2 (another key) and psk-bad
#                          (mode 0600), all in DIR
#   dtls_pin CERT          "sha256:BASE64" of CERT's public key
#   dtls_psk NAME IDENTITY FILE   STUN_DTLS / STUN_PEER_DTLS for a PSK peer
#   dtls_cert NAME CA [PIN]       the same with certificates: NAME's own
#                          certificate and key, the peer verified by CA
#                          ("" for none) and/or PIN
#   topo_count_non_dtls    count UDP datagrams on every link whose payload
#                          is not a DTLS record (content type 20-23, version
#                          FEFD or FEFF); topo_non_dtls_count says how many

# An openssl configuration that only satisfies "req".
dtls__cnf() {
	printf '[req]\ndistinguished_name = dn\n[dn]\n' > "$1/openssl.cnf"
}

# A key and a certificate for CN $3 in DIR $1 named $2, signed by CA $4
# (itself when empty).
dtls__cert() {
	local d=$1 name=$2 cn=$3 ca=$4
	if [ -z "$ca" ]; then
		openssl req -config "$d/openssl.cnf" -x509 -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$d/$name.key" -out "$d/$name.pem" \
		    -subj "/CN=$cn" -days 2 2> "$d/openssl.log" || return 1
	else
		openssl req -config "$d/openssl.cnf" -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$d/$name.key" -out "$d/$name.csr" \
		    -subj "/CN=$cn" 2> "$d/openssl.log" &&
		    openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.pem" \
		    -CAkey "$d/$ca.key" -CAcreateserial -out "$d/$name.pem" \
		    -days 2 2>> "$d/openssl.log" || return 1
	fi
	chmod 600 "$d/$name.key"
}

# Keys for the scenarios.
dtls_keys() {
	local d=$1 f
	mkdir -p "$d" && dtls__cnf "$d" || return 1
	dtls__cert "$d" ca "sctptun test CA" "" &&
	    dtls__cert "$d" a "sctptund a" ca &&
	    dtls__cert "$d" b "sctptund b" ca &&
	    dtls__cert "$d" rogue-ca "rogue CA" "" &&
	    dtls__cert "$d" rogue-b "sctptund b" rogue-ca || return 1
	for f in psk psk2 psk-bad; do
		(umask 077 && openssl rand -hex 32 > "$d/$f") || return 1
	done
}

# The pin of a certificate: the SHA-256 of its SubjectPublicKeyInfo.
dtls_pin() {
	printf 'sha256:%s' "$(openssl x509 -in "$1" -pubkey -noout |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
	    base64)"
}

# Settings for a PSK peer (exported for stun_conf).
dtls_psk() {
	STUN_DTLS="port = 9900;"
	STUN_PEER_DTLS="psk_identity = \"$2\"; psk_file = \"$3\";"
	export STUN_DTLS STUN_PEER_DTLS
}

# Settings for a certificate peer: $1's own certificate, the peer checked
# against CA file $2 and/or pin $3.
dtls_cert() {
	local keys=$T_WORK/keys
	STUN_DTLS="port = 9900; certificate = \"$keys/$1.pem\";"
	STUN_DTLS="$STUN_DTLS key = \"$keys/$1.key\";"
	STUN_PEER_DTLS=
	[ -n "$2" ] && STUN_PEER_DTLS="ca = \"$2\";"
	[ -n "${3:-}" ] && STUN_PEER_DTLS="$STUN_PEER_DTLS pin = \"$3\";"
	export STUN_DTLS STUN_PEER_DTLS
}

# Count every UDP datagram on the links whose payload is not DTLS.
topo_count_non_dtls() {
	topo__guard_rules st-non-dtls "output forward" \
	    "meta l4proto udp @th,64,8 < 20 counter accept" \
	    "meta l4proto udp @th,64,8 > 23 counter accept" \
	    "meta l4proto udp @th,72,16 != 0xfefd @th,72,16 != 0xfeff counter accept"
}

# Datagrams the non-DTLS guard counted.
topo_non_dtls_count() {
	topo__count st-non-dtls "${TOPO_NSES[@]}"
}
