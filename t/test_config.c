/*
 * test_config: the configuration parser.  The sample etc/sctptun.conf, the
 * defaults, every class of error with its line, the bad files of t/conf,
 * longest-prefix peer matching and config_print round trips.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tap.h"

static char	 tmpdir[] = "/tmp/test_config.XXXXXX";
static char	 tmppath[256];

#define PEER_A \
	"peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ]; } );\n"

/* One configuration text that must fail at line with message. */
struct bad_case {
	const char	*text;
	unsigned int	 line;
	const char	*message;
};

static const struct bad_case bad_cases[] = {
	/* syntax */
	{ "udp_port = 9899;\ntun = {\n", 3, "syntax error" },
	{ "udp_port = 9899;\ntun = { mtu = ; };\n", 2, "syntax error" },
	{ "udp_port = 1;\nudp_port = 2;\n" PEER_A, 2, "duplicate setting" },
	{ PEER_A "udp_port", 2, "syntax error" },
	/* unknown keys, at each level */
	{ PEER_A "\nbogus = 1;\n", 3, "unknown key 'bogus' in the top level" },
	{ "tun = {\n name = \"t0\";\n  nmae = \"x\";\n};\n" PEER_A, 3,
	    "unknown key 'nmae' in tun (allowed: name, mtu, table, "
	    "rule_priority)" },
	{ "peers = (\n{\n name = \"a\";\n prefixes = [ \"10.0.0.0/8\" ];\n"
	    " port = 1;\n}\n);\n", 5, "unknown key 'port' in peers[0]" },
	{ PEER_A "limits = {\n\n max = 1; };\n", 4,
	    "unknown key 'max' in limits" },
	{ PEER_A "control = { path = \"/x\"; };\n", 2,
	    "unknown key 'path' in control" },
	{ PEER_A "log = {\n verbose = true;\n};\n", 3,
	    "unknown key 'verbose' in log" },
	{ PEER_A "metrics = {\n port = 9899;\n};\n", 3,
	    "unknown key 'port' in metrics (allowed: listen)" },
	/* types */
	{ "\nudp_port = \"9899\";\n" PEER_A, 2, "udp_port must be an integer" },
	{ "udp_port = 9899.0;\n" PEER_A, 1, "udp_port must be an integer" },
	{ "udp_port = true;\n" PEER_A, 1, "udp_port must be an integer" },
	{ PEER_A "tun = \"sctptun0\";\n", 2, "tun must be a group" },
	{ PEER_A "limits = ( );\n", 2, "limits must be a group" },
	{ PEER_A "tun = { name = 5; };\n", 2, "tun.name must be a string" },
	{ PEER_A "log = { level = 7; };\n", 2, "log.level must be a string" },
	{ "peers = [ \"a\" ];\n", 1, "peers must be a list of groups" },
	{ "peers = (\n \"a\" );\n", 2, "peers[0] must be a group" },
	{ "peers = ( { name = \"a\";\n prefixes = \"10.0.0.0/8\"; } );\n", 2,
	    "peers[0].prefixes must be an array" },
	{ "peers = ( { name = \"a\";\n"
	    " prefixes = (\n \"10.0.0.0/8\",\n 8 ); } );\n",
	    4, "peers[0].prefixes[1] must be a string" },
	{ "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " strip_addresses = 1; } );\n", 2,
	    "peers[0].strip_addresses must be true or false" },
	/* ranges */
	{ "udp_port = 0;\n" PEER_A, 1, "udp_port must be between 1 and 65535" },
	{ "udp_port = 65536;\n" PEER_A, 1, "between 1 and 65535, not 65536" },
	{ "udp_port = -1;\n" PEER_A, 1, "between 1 and 65535, not -1" },
	{ "udp_port = 65536L;\n" PEER_A, 1, "between 1 and 65535" },
	{ PEER_A "# 99999999999\n/* 99999999999 */ s = \"99999999999\";\n"
	    "\nudp_port = 4294977195;\n", 5,
	    "integer 4294977195 does not fit in 32 bits" },
	{ "udp_port = 0x100000000;\n" PEER_A, 1, "L suffix (0x100000000L)" },
	{ PEER_A "tun = { name = \"\"; };\n", 2, "tun.name must be 1 to 15" },
	{ PEER_A "tun = { name = \"sctptun0123456789\"; };\n", 2,
	    "tun.name must be 1 to 15" },
	{ PEER_A "tun = { name = \"sctp/tun\"; };\n", 2, "tun.name must be" },
	{ PEER_A "tun = { name = \"..\"; };\n", 2, "tun.name must be" },
	{ PEER_A "tun = { mtu = 575; };\n", 2,
	    "tun.mtu must be 0 (automatic) or between 576 and 65527" },
	{ PEER_A "tun = { mtu = 65528; };\n", 2, "between 0 and 65527" },
	{ PEER_A "tun = { table = 0; };\n", 2,
	    "tun.table must be between 1 and 4294967295" },
	{ PEER_A "tun = { table = 254; };\n", 2, "254 (main)" },
	{ PEER_A "tun = { table = 253; };\n", 2, "must not be one of" },
	{ PEER_A "tun = { table = 255; };\n", 2, "must not be one of" },
	{ PEER_A "tun = { table = 4294967296L; };\n", 2,
	    "between 1 and 4294967295" },
	{ PEER_A "tun = { rule_priority = 0; };\n", 2,
	    "tun.rule_priority must be between 1 and 32765" },
	{ PEER_A "tun = { rule_priority = 32766; };\n", 2, "1 and 32765" },
	{ "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " remote_port = 0; } );\n", 2,
	    "peers[0].remote_port must be between 1 and 65535" },
	{ PEER_A "limits = { associations = 0; };\n", 2,
	    "limits.associations must be between 1 and 4194304" },
	{ PEER_A "limits = { associations = 4194305; };\n", 2, "4194304" },
	{ PEER_A "limits = { embryonic = 1048577; };\n", 2,
	    "limits.embryonic must be between 1 and 1048576" },
	{ PEER_A "limits = { idle_timeout = 29; };\n", 2,
	    "limits.idle_timeout must be between 30 and 604800" },
	{ PEER_A "limits = { embryonic_timeout = 3601; };\n", 2,
	    "limits.embryonic_timeout must be between 1 and 3600" },
	{ PEER_A "control = { socket = \"run/s.sock\"; };\n", 2,
	    "control.socket must be an absolute path" },
	{ PEER_A "control = { socket = \"/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaa"
	    "\"; };\n", 2, "shorter than 108 bytes" },
	{ PEER_A "log = { level = \"verbose\"; };\n", 2,
	    "log.level must be one of error, warning, notice, info, debug" },
	{ PEER_A "fastpath = \"fast\";\n", 2,
	    "fastpath must be \"auto\", \"on\" or \"off\"; not \"fast\"" },
	{ PEER_A "\nfastpath = true;\n", 3, "fastpath must be a string" },
	/* user, state, monitor */
	{ PEER_A "user = \"Root\";\n", 2,
	    "user \"Root\" is not a valid user name" },
	{ PEER_A "user = \"a b\";\n", 2, "is not a valid user name" },
	{ PEER_A "user = 0;\n", 2, "user must be a string" },
	{ PEER_A "state = {\n file = \"state\"; };\n", 3,
	    "state.file must be \"\" or an absolute path" },
	{ PEER_A "state = { interval = 0; };\n", 2, "state.interval" },
	{ PEER_A "state = { when = 1; };\n", 2, "when" },
	{ PEER_A "monitor = { path_silent = 0; };\n", 2,
	    "monitor.path_silent" },
	{ PEER_A "monitor = { drop_summary = 3601; };\n", 2,
	    "monitor.drop_summary" },
	/* metrics.listen */
	{ PEER_A "metrics = \"127.0.0.1:9899\";\n", 2,
	    "metrics must be a group" },
	{ PEER_A "metrics = { listen = 9899; };\n", 2,
	    "metrics.listen must be a string" },
	{ PEER_A "metrics = {\n listen = \"127.0.0.1\"; };\n", 3,
	    "metrics.listen \"127.0.0.1\": expected ADDR:PORT or "
	    "[IPv6]:PORT" },
	{ PEER_A "metrics = { listen = \"localhost:9899\"; };\n", 2,
	    "metrics.listen \"localhost:9899\": bad address" },
	{ PEER_A "metrics = { listen = \"127.0.0.256:9899\"; };\n", 2,
	    "bad address" },
	{ PEER_A "metrics = { listen = \"::1:9899\"; };\n", 2,
	    "bad address (IPv6 goes in brackets" },
	{ PEER_A "metrics = { listen = \"[127.0.0.1]:9899\"; };\n", 2,
	    "bad address" },
	{ PEER_A "metrics = { listen = \"[::1:9899\"; };\n", 2,
	    "expected ADDR:PORT or [IPv6]:PORT" },
	{ PEER_A "metrics = { listen = \"127.0.0.1:0\"; };\n", 2,
	    "bad port (1 to 65535)" },
	{ PEER_A "metrics = { listen = \"127.0.0.1:65536\"; };\n", 2,
	    "bad port" },
	{ PEER_A "metrics = { listen = \"[::1]:\"; };\n", 2, "bad port" },
	{ PEER_A "metrics = { listen = \"[::1]:-1\"; };\n", 2, "bad port" },
	{ PEER_A "metrics = { listen = \"127.0.0.1:99x\"; };\n", 2,
	    "bad port" },
	{ PEER_A "metrics = { listen = \"127.0.0.1:0000000000000000000000"
	    "0000000000000000000000000000000000000000000000009899\"; };\n", 2,
	    "expected ADDR:PORT" },
	/* missing, empty and duplicate */
	{ "udp_port = 9899;\n", 1, "peers is required" },
	{ "", 1, "peers is required" },
	{ "udp_port = 9899;\npeers = ( );\n", 2,
	    "peers must hold at least one peer" },
	{ "peers = (\n { prefixes = [ \"10.0.0.0/8\" ]; } );\n", 2,
	    "peers[0].name is required" },
	{ "peers = (\n { name = \"a\"; } );\n", 2,
	    "peers[0].prefixes is required" },
	{ "peers = ( { name = \"a\";\n prefixes = [ ]; } );\n", 2,
	    "peers[0].prefixes must hold at least one prefix" },
	{ "peers = ( { name = \"a b\";\n"
	    " prefixes = [ \"10.0.0.0/8\" ]; } );\n", 1,
	    "peers[0].name must be 1 to 63 characters" },
	{ "peers = ( { name = \"\"; prefixes = [ \"10.0.0.0/8\" ]; } );\n", 1,
	    "peers[0].name must be" },
	{ "peers = ( { name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaa\"; prefixes = [ \"10.0.0.0/8\" ]; } );\n", 1,
	    "peers[0].name must be" },
	{ "peers = (\n { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ]; },\n"
	    " { name = \"a\"; prefixes = [ \"10.1.0.0/16\" ]; } );\n", 3,
	    "duplicate peer name 'a'" },
	/* prefixes */
	{ "peers = ( { name = \"a\";\n prefixes = [ \"10.0.0.1/8\" ]; } );\n",
	    2,
	    "peers[0].prefixes[0]: bad prefix \"10.0.0.1/8\": " },
	{ "peers = ( { name = \"a\";\n prefixes = [ \"10.0.0.0/33\" ]; } );\n",
	    2,
	    "bad prefix \"10.0.0.0/33\": " },
	{ "peers = ( { name = \"a\";\n prefixes = [ \"2001:db8::/48\",\n"
	    " \"site-b\" ]; } );\n", 3, "peers[0].prefixes[1]: bad prefix "
	    "\"site-b\": " },
	{ "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\",\n"
	    " \"10.0.0.0/8\" ]; } );\n", 2,
	    "prefix 10.0.0.0/8 is listed twice in peer 'a'" },
	{ "peers = ( { name = \"a\"; prefixes = [ \"2001:db8::/32\" ]; },\n"
	    " { name = \"b\"; prefixes = [ \"10.0.0.0/8\",\n"
	    " \"2001:0db8::/32\" ]; } );\n", 3,
	    "prefix 2001:db8::/32 of peer 'b' is already a prefix "
	    "of peer 'a'" },
	/* dtls */
	{ PEER_A "dtls = {\n port = 9899; };\n", 3,
	    "dtls.port must differ from udp_port (9899)" },
	{ PEER_A "dtls = { porte = 1; };\n", 2, "unknown key 'porte' in dtls "
	    "(allowed: port, certificate, key, ca, rekey_seconds, "
	    "handshake_timeout, max_handshakes)" },
	{ PEER_A "dtls = {\n certificate = \"c.pem\"; };\n", 2,
	    "dtls.certificate and dtls.key go together" },
	{ PEER_A "dtls = { key = \"\"; };\n", 2, "dtls.key must name a file" },
	{ PEER_A "dtls = { rekey_seconds = 1; };\n", 2,
	    "dtls.rekey_seconds must be between 2 and 604800" },
	{ "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { psk_identity = \"a\"; psk_file = \"k\"; }; } );\n",
	    2, "peers[0].dtls needs the top-level dtls group" },
	{ "dtls = { port = 9900; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { psk = \"x\"; }; } );\n", 3,
	    "unknown key 'psk' in peers[0].dtls (allowed: psk_identity, "
	    "psk_file, ca, pin)" },
	{ "dtls = { port = 9900; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { }; } );\n", 3, "peers[0].dtls: say how the peer "
	    "authenticates" },
	{ "dtls = { port = 9900; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { psk_identity = \"a\"; }; } );\n", 3,
	    "psk_identity and psk_file go together" },
	{ "dtls = { port = 9900; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { psk_identity = \"a\"; psk_file = \"k\";\n"
	    " ca = \"ca.pem\"; }; } );\n", 3,
	    "a pre-shared key (psk_identity, psk_file) or certificates" },
	{ "dtls = { port = 9900; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { ca = \"ca.pem\"; }; } );\n", 3,
	    "dtls.certificate and dtls.key are needed" },
	{ "dtls = { port = 9900; certificate = \"c\"; key = \"k\"; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = {\n pin = \"sha256:AAAA\"; }; } );\n", 4,
	    "peers[0].dtls.pin must be \"sha256:\" and the base64" },
	{ "dtls = { port = 9900; certificate = \"c\"; key = \"k\"; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { pin = \"md5:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"; }; } );\n",
	    3, "pin must be" },
	{ "dtls = { port = 9900; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { psk_identity = \"a\\n\"; psk_file = \"k\"; }; } );\n",
	    3, "psk_identity must be 1 to 128 printable characters" },
	/* cluster */
	{ PEER_A "cluster = {\n port = 9901; key_file = \"k\"; };\n", 2,
	    "cluster needs either members = [ \"ADDR\", ... ] or dns = "
	    "\"NAME\", not neither" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " members = [ \"10.0.0.1\" ]; dns = \"x\"; };\n", 3,
	    "not both" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " members = [ \"10.0.0.1\",\n \"10.0.0.300\" ]; };\n", 4,
	    "cluster.members[1]: \"10.0.0.300\" is not a unicast" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " members = [ \"224.0.0.1\" ]; };\n", 3,
	    "cluster.members[0]: \"224.0.0.1\" is not a unicast" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " members = [ \"fd00::1\", \"fd00::1\" ]; };\n", 3,
	    "cluster.members[1]: fd00::1 is listed twice" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " members = [ ]; };\n", 3, "at least one address" },
	{ PEER_A "cluster = { key_file = \"k\";\n"
	    " members = [ \"10.0.0.1\" ];\n port = 70000; };\n", 4,
	    "cluster.port must be between 1 and 65535" },
	{ PEER_A "cluster = {\n key_file = \"k\";"
	    " members = [ \"10.0.0.1\" ]; };\n", 2,
	    "cluster.port is required" },
	{ PEER_A "cluster = { key_file = \"k\"; members = [ \"10.0.0.1\" ];\n"
	    " port = 9899; };\n", 3,
	    "cluster.port must differ from udp_port" },
	{ "dtls = { port = 9900; };\n" PEER_A
	    "cluster = { key_file = \"k\"; members = [ \"10.0.0.1\" ];\n"
	    " port = 9900; };\n", 4,
	    "cluster.port must differ from udp_port and dtls.port" },
	{ PEER_A "cluster = {\n port = 9901;"
	    " members = [ \"10.0.0.1\" ]; };\n", 2,
	    "cluster.key_file is required" },
	{ PEER_A "cluster = { port = 9901; members = [ \"10.0.0.1\" ];\n"
	    " key_file = \"\"; };\n", 3, "cluster.key_file must name a file" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " dns = \"bad name!\"; };\n", 3,
	    "cluster.dns: \"bad name!\" is not a DNS name" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\";\n"
	    " members = [ \"10.0.0.1\" ];\n resolve_seconds = 5; };\n", 4,
	    "cluster.resolve_seconds goes with cluster.dns" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\"; dns = \"a.b\";\n"
	    " resolve_seconds = 0; };\n", 3,
	    "cluster.resolve_seconds must be between 1 and 3600" },
	{ PEER_A "cluster = { port = 9901; key_file = \"k\"; dns = \"a.b\";\n"
	    " bogus = 0; };\n", 3, "unknown key 'bogus' in cluster" },
};

/* Write text to the temporary configuration file; returns its path. */
static const char *
write_conf(const char *text)
{
	FILE	*fp;

	if ((fp = fopen(tmppath, "w")) == NULL) {
		diag("cannot write %s", tmppath);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	return tmppath;
}

/* Check that text fails at line with a cause holding message. */
static void
test_bad(const char *text, unsigned int line, const char *message,
    const char *label)
{
	struct config	*cfg;
	char		*cause, want[300];

	cfg = config_load(write_conf(text), &cause);
	snprintf(want, sizeof(want), "%s:%u: ", tmppath, line);
	if (!ok(cfg == NULL && cause != NULL &&
	    strncmp(cause, want, strlen(want)) == 0 &&
	    strstr(cause, message) != NULL, "%s: line %u, \"%s\"", label,
	    line, message))
		diag("got: %s", cause != NULL ? cause : "(no error)");
	config_free(cfg);
	free(cause);
}

/* Parse text that must be valid. */
static struct config *
load_good(const char *text, const char *label)
{
	struct config	*cfg;
	char		*cause;

	cfg = config_load(write_conf(text), &cause);
	if (!ok(cfg != NULL, "%s parses", label))
		diag("%s", cause);
	free(cause);
	return cfg;
}

/* Field-by-field equality, ignoring the path. */
static int
config_equal(const struct config *a, const struct config *b)
{
	const struct peer_config	*p, *q;
	size_t				 i;

	if (a->udp_port != b->udp_port ||
	    strcmp(a->tun_name, b->tun_name) != 0 ||
	    a->tun_mtu != b->tun_mtu || a->tun_table != b->tun_table ||
	    a->rule_priority != b->rule_priority || a->npeers != b->npeers ||
	    a->max_assocs != b->max_assocs ||
	    a->max_embryonic != b->max_embryonic ||
	    a->idle_timeout != b->idle_timeout ||
	    a->embryonic_timeout != b->embryonic_timeout ||
	    strcmp(a->control_socket, b->control_socket) != 0 ||
	    a->log_level != b->log_level ||
	    strcmp(a->metrics_listen, b->metrics_listen) != 0 ||
	    strcmp(a->user, b->user) != 0 ||
	    strcmp(a->state_file, b->state_file) != 0 ||
	    a->state_interval != b->state_interval ||
	    a->path_silent != b->path_silent ||
	    a->drop_summary != b->drop_summary ||
	    a->fastpath != b->fastpath ||
	    memcmp(&a->dtls, &b->dtls, offsetof(struct dtls_config, line)) != 0)
		return 0;
	if (a->cluster.enabled != b->cluster.enabled ||
	    a->cluster.nmembers != b->cluster.nmembers ||
	    a->cluster.port != b->cluster.port ||
	    a->cluster.resolve_seconds != b->cluster.resolve_seconds ||
	    strcmp(a->cluster.dns, b->cluster.dns) != 0 ||
	    strcmp(a->cluster.key_file, b->cluster.key_file) != 0 ||
	    (a->cluster.nmembers > 0 && memcmp(a->cluster.members,
	    b->cluster.members, a->cluster.nmembers *
	    sizeof(*a->cluster.members)) != 0))
		return 0;
	for (i = 0; i < a->npeers; i++) {
		p = &a->peers[i];
		q = &b->peers[i];
		if (strcmp(p->name, q->name) != 0 ||
		    p->nprefixes != q->nprefixes ||
		    p->remote_port != q->remote_port ||
		    p->strip_addresses != q->strip_addresses ||
		    memcmp(p->prefixes, q->prefixes,
		    p->nprefixes * sizeof(*p->prefixes)) != 0)
			return 0;
		if ((p->dtls == NULL) != (q->dtls == NULL) ||
		    (p->dtls != NULL && memcmp(p->dtls, q->dtls,
		    offsetof(struct peer_dtls, line)) != 0))
			return 0;
	}
	return 1;
}

/* config_print's output parses back to the same configuration. */
static void
test_roundtrip(const struct config *cfg, const char *label)
{
	struct config	*again;
	char		*text = NULL, *cause;
	size_t		 len = 0;
	FILE		*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		exit(1);
	config_print(fp, cfg);
	fclose(fp);
	again = config_load(write_conf(text), &cause);
	if (!ok(again != NULL && config_equal(cfg, again),
	    "%s: config_print re-parses to an equal config", label))
		diag("%s\n%s", cause != NULL ? cause : "differs", text);
	config_free(again);
	free(cause);
	free(text);
}

/* What a reload may apply, and what needs a restart. */
static void
test_restart_needed(void)
{
	struct config	a, b;
	char		buf[256];
	size_t		n;

	config_defaults(&a);
	config_defaults(&b);
	b.idle_timeout = 30;
	b.log_level = LOG_DEBUG;
	b.path_silent = 10;
	ok(config_restart_needed(&a, &b, buf, sizeof(buf)) == 0 &&
	    buf[0] == '\0', "timeouts, log level, monitor: no restart");
	b.udp_port = 9900;
	snprintf(b.tun_name, sizeof(b.tun_name), "tun7");
	snprintf(b.user, sizeof(b.user), "sctptun");
	b.max_assocs = 10;
	n = config_restart_needed(&a, &b, buf, sizeof(buf));
	ok(n == 4 && strcmp(buf, "udp_port, tun.name, limits.associations, "
	    "user") == 0, "restart needed for: %s (%zu)", buf, n);
	config_defaults(&b);
	a.dtls.enabled = b.dtls.enabled = 1;
	b.dtls.port = 4433;
	b.dtls.rekey_seconds = 60;
	n = config_restart_needed(&a, &b, buf, sizeof(buf));
	ok(n == 1 && strcmp(buf, "dtls.port") == 0,
	    "a new dtls.port needs a restart, rekeying does not (%s)", buf);
	b.dtls.enabled = 0;
	n = config_restart_needed(&a, &b, buf, sizeof(buf));
	ok(n == 1 && strcmp(buf, "dtls") == 0,
	    "adding or removing the dtls group needs a restart (%s)", buf);
	b = a;
	b.fastpath = FASTPATH_OFF;
	n = config_restart_needed(&a, &b, buf, sizeof(buf));
	ok(n == 1 && strcmp(buf, "fastpath") == 0,
	    "switching the fast path needs a restart (%s)", buf);
	b = a;
	b.cluster.enabled = 1;
	b.cluster.port = 9901;
	n = config_restart_needed(&a, &b, buf, sizeof(buf));
	ok(n == 1 && strcmp(buf, "cluster") == 0,
	    "adding a cluster group needs a restart (%s)", buf);
	b = a;
	b.udp_port = 9900;
	snprintf(b.tun_name, sizeof(b.tun_name), "tun7");
	snprintf(b.user, sizeof(b.user), "sctptun");
	b.max_assocs = 10;
	n = config_restart_needed(&a, &b, buf, 12);
	ok(n == 4 && strlen(buf) < 12, "a short buffer is cut, not overrun "
	    "(\"%s\")", buf);
}

/* The dtls groups: defaults, files relative to the configuration, pins. */
static void
test_dtls(void)
{
	struct config	*cfg;
	char		 want[300];
	static const uint8_t pin[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
		0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};

	/* An empty dtls group (PSK peers only, say) prints back without
	   file keys, which would have to name files (a fuzzer's find). */
	if ((cfg = load_good("dtls = {};\n" PEER_A, "empty dtls group")) !=
	    NULL) {
		ok(cfg->dtls.enabled && cfg->dtls.certificate[0] == '\0',
		    "an empty dtls group enables DTLS, no certificate");
		test_roundtrip(cfg, "empty dtls group");
		config_free(cfg);
	}
	cfg = load_good("dtls = { certificate = \"certs/me.pem\";\n"
	    " key = \"/etc/k.pem\"; ca = \"ca.pem\"; };\n"
	    "peers = ( { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " dtls = { pin = \"sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu"
	    "FU=\"; }; },\n"
	    " { name = \"b\"; prefixes = [ \"10.1.0.0/16\" ];\n"
	    " dtls = { psk_identity = \"site a\"; psk_file = \"b.key\"; };\n"
	    " remote_port = 4433; },\n"
	    " { name = \"c\"; prefixes = [ \"10.2.0.0/16\" ];\n"
	    " dtls = { }; },\n"
	    " { name = \"d\"; prefixes = [ \"10.3.0.0/16\" ]; } );\n",
	    "dtls groups");
	if (cfg == NULL)
		return;
	snprintf(want, sizeof(want), "%s/certs/me.pem", tmpdir);
	ok(cfg->dtls.enabled && cfg->dtls.port == 9900 &&
	    strcmp(cfg->dtls.certificate, want) == 0 &&
	    strcmp(cfg->dtls.key, "/etc/k.pem") == 0 &&
	    cfg->dtls.certificate_line == 1 && cfg->dtls.key_line == 2,
	    "dtls: port 9900 by default, relative files next to the "
	    "configuration, lines kept");
	ok(cfg->dtls.rekey_seconds == 3600 &&
	    cfg->dtls.handshake_timeout == 10 &&
	    cfg->dtls.max_handshakes == 64, "dtls: default timers and cap");
	ok(cfg->peers[0].dtls != NULL && cfg->peers[0].dtls->has_pin &&
	    memcmp(cfg->peers[0].dtls->pin, pin, 32) == 0 &&
	    cfg->peers[0].remote_port == 9900,
	    "a pinned peer: the digest decoded, remote_port = dtls.port");
	snprintf(want, sizeof(want), "%s/b.key", tmpdir);
	ok(cfg->peers[1].dtls != NULL &&
	    strcmp(cfg->peers[1].dtls->psk_identity, "site a") == 0 &&
	    strcmp(cfg->peers[1].dtls->psk_file, want) == 0 &&
	    cfg->peers[1].dtls->psk_file_line == 6 &&
	    cfg->peers[1].remote_port == 4433,
	    "a PSK peer with its own remote_port");
	ok(cfg->peers[2].dtls != NULL && !cfg->peers[2].dtls->has_pin &&
	    cfg->peers[2].dtls->ca[0] == '\0',
	    "an empty dtls group: the global CA verifies the peer");
	ok(cfg->peers[3].dtls == NULL && cfg->peers[3].remote_port == 9899,
	    "a peer without dtls stays cleartext on 9899");
	test_roundtrip(cfg, "dtls groups");
	config_free(cfg);
}

/* Write a key file of mode with content; returns its path. */
static const char *
write_key(const char *content, mode_t mode)
{
	static char	 path[300];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/cluster.key", tmpdir);
	unlink(path);
	if ((fp = fopen(path, "w")) == NULL)
		exit(1);
	fputs(content, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

/* Check config_cluster_key on cfg: fails with message, or succeeds. */
static void
test_key(struct config *cfg, const char *message, const char *label)
{
	uint8_t	 buf[CONFIG_CLUSTER_KEY_MAX + 1];
	size_t	 len = 0;
	char	*cause = NULL, want[400];
	int	 r;

	r = config_cluster_key(cfg, buf, sizeof(buf), &len, &cause);
	snprintf(want, sizeof(want), "%s:5: cluster.key_file: ", tmppath);
	if (message == NULL)
		ok(r == 0 && len == 44, "%s: %zu bytes", label, len);
	else if (!ok(r == -1 && cause != NULL && strncmp(cause, want,
	    strlen(want)) == 0 && strstr(cause, message) != NULL,
	    "%s: \"%s\" at the key_file line", label, message))
		diag("got: %s", cause != NULL ? cause : "(no error)");
	free(cause);
}

/* The cluster group and its key file. */
static void
test_cluster(void)
{
	struct config	*cfg;
	char		 want[300], buf[256];
	const char	*key44 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n";

	cfg = load_good(PEER_A "cluster = {\n members = [ \"10.0.0.1\","
	    " \"fd00::2\" ];\n port = 9901;\n key_file = \"cluster.key\";\n"
	    "};\n", "cluster with members");
	if (cfg == NULL)
		return;
	snprintf(want, sizeof(want), "%s/cluster.key", tmpdir);
	ok(cfg->cluster.enabled && cfg->cluster.nmembers == 2 &&
	    cfg->cluster.members[1].family == AF_INET6 &&
	    cfg->cluster.port == 9901 && cfg->cluster.dns[0] == '\0' &&
	    strcmp(cfg->cluster.key_file, want) == 0 &&
	    cfg->cluster.key_file_line == 5,
	    "cluster: members, port, key file next to the configuration");
	test_roundtrip(cfg, "cluster with members");
	test_key(cfg, "cannot read", "no key file");
	write_key(key44, 0600);
	test_key(cfg, NULL, "a key file of mode 600");
	write_key(key44, 0640);
	test_key(cfg, "readable by group or others (mode 640)",
	    "a group-readable key file");
	write_key(key44, 0604);
	test_key(cfg, "readable by group or others (mode 604)",
	    "a world-readable key file");
	write_key("0123456789abcdef0123456789abcde\n\n", 0600);
	test_key(cfg, "31 bytes of secret, at least 32", "a short key");
	write_key(key44, 0600);
	snprintf(buf, sizeof(buf), "%s/cluster.key", tmpdir);
	unlink(buf);
	config_free(cfg);

	cfg = load_good(PEER_A "cluster = { dns = \"sctptun.default.svc\";"
	    " port = 9901; key_file = \"/k\"; };\n", "cluster by DNS");
	if (cfg != NULL) {
		ok(strcmp(cfg->cluster.dns, "sctptun.default.svc") == 0 &&
		    cfg->cluster.resolve_seconds == 10 &&
		    cfg->cluster.nmembers == 0,
		    "cluster by DNS: re-resolved every 10 s by default");
		test_roundtrip(cfg, "cluster by DNS");
		config_free(cfg);
	}
}

/* The annotated sample configuration. */
static void
test_sample(void)
{
	struct config	*cfg, def;
	const char	*top = getenv("top_srcdir");
	char		 path[1024], *cause, buf[ADDR_STRLEN];

	snprintf(path, sizeof(path), "%s/etc/sctptun.conf",
	    top != NULL ? top : "..");
	cfg = config_load(path, &cause);
	if (!ok(cfg != NULL, "sample %s parses", path)) {
		diag("%s", cause);
		free(cause);
		return;
	}
	config_defaults(&def);
	ok(cfg->npeers == 1 && strcmp(cfg->peers[0].name, "site-b") == 0 &&
	    cfg->peers[0].nprefixes == 2, "sample: one peer, two prefixes");
	prefix_ntop(&cfg->peers[0].prefixes[1], buf, sizeof(buf));
	ok(strcmp(buf, "2001:db8:2::/48") == 0, "sample: IPv6 prefix %s", buf);
	/* The sample documents the defaults: it must agree with them. */
	def.npeers = cfg->npeers;
	def.peers = cfg->peers;
	ok(config_equal(&def, cfg), "sample values are the defaults");
	ok(strcmp(cfg->path, path) == 0, "path is kept");
	test_roundtrip(cfg, "sample");
	config_free(cfg);
}

/* A minimal file gets every default. */
static void
test_defaults(void)
{
	struct config	*cfg, def;

	config_defaults(&def);
	ok(def.udp_port == 9899 && strcmp(def.tun_name, "sctptun0") == 0 &&
	    def.tun_mtu == 0 && def.tun_table == 9899 &&
	    def.rule_priority == 9899 && def.max_assocs == 65536 &&
	    def.max_embryonic == 4096 && def.idle_timeout == 600 &&
	    def.embryonic_timeout == 60 && def.log_level == LOG_INFO &&
	    strcmp(def.control_socket, CONTROL_SOCKET) == 0 &&
	    def.metrics_listen[0] == '\0' && def.fastpath == FASTPATH_AUTO &&
	    def.npeers == 0, "config_defaults");
	if ((cfg = load_good(PEER_A, "minimal")) == NULL)
		return;
	def.npeers = cfg->npeers;
	def.peers = cfg->peers;
	ok(config_equal(&def, cfg), "minimal file has the defaults");
	ok(cfg->peers[0].remote_port == 9899 &&
	    cfg->peers[0].strip_addresses == 0, "peer defaults");
	config_free(cfg);
}

/* fastpath: the three modes, printed back. */
static void
test_fastpath(void)
{
	static const char *const names[] = { "auto", "on", "off" };
	struct config	*cfg;
	char		 text[512];
	int		 i;

	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "fastpath = \"%s\";\n%s",
		    names[i], PEER_A);
		if ((cfg = load_good(text, names[i])) == NULL)
			continue;
		ok(cfg->fastpath == i && strcmp(config_fastpath_name(
		    cfg->fastpath), names[i]) == 0, "fastpath = \"%s\"",
		    names[i]);
		test_roundtrip(cfg, names[i]);
		config_free(cfg);
	}
}

/* Values at the edges of their ranges, int64 and hex forms. */
static void
test_edges(void)
{
	struct config	*cfg;
	char		 text[256];

	cfg = load_good("udp_port = 65535L;\n"
	    "tun = { name = \"a.b_c-123456789\";"
	    " mtu = 576; table = 4294967295L; rule_priority = 32765; };\n"
	    "peers = ( { name = \"x\"; prefixes = ( \"10.0.0.1\" );"
	    " remote_port = 1; strip_addresses = true; },\n"
	    " { name = \"y\"; prefixes = [ \"10.0.0.0/31\", \"::/0\" ]; } );\n"
	    "limits = { associations = 4194304; embryonic = 1;"
	    " idle_timeout = 30; embryonic_timeout = 3600; };\n"
	    "control = { socket = \"/tmp/we\\\"ird\\\\ path\"; };\n"
	    "log = { level = \"debug\"; };\n", "edge values");
	if (cfg == NULL)
		return;
	ok(cfg->udp_port == 65535 && cfg->tun_mtu == 576 &&
	    cfg->tun_table == 4294967295U && cfg->rule_priority == 32765 &&
	    cfg->max_assocs == 4194304 && cfg->max_embryonic == 1 &&
	    cfg->idle_timeout == 30 && cfg->embryonic_timeout == 3600 &&
	    cfg->log_level == LOG_DEBUG, "edge values are read");
	ok(cfg->peers[0].nprefixes == 1 &&
	    cfg->peers[0].prefixes[0].len == 32 &&
	    cfg->peers[0].remote_port == 1 && cfg->peers[0].strip_addresses,
	    "peer x: bare address is a /32, list form accepted");
	ok(strcmp(cfg->control_socket, "/tmp/we\"ird\\ path") == 0,
	    "escaped socket path");
	test_roundtrip(cfg, "edge values");
	config_free(cfg);
	/* The longest socket path that fits sun_path with its NUL. */
	snprintf(text, sizeof(text),
	    PEER_A "control = { socket = \"/%0106d\"; };", 0);
	if ((cfg = load_good(text, "107-byte socket path")) != NULL)
		ok(strlen(cfg->control_socket) == 107,
		    "socket path kept whole");
	config_free(cfg);
	cfg = load_good(PEER_A "tun = { table = 0xFFFFFFFF; mtu = 0x5dc; };\n",
	    "hex");
	if (cfg != NULL)
		ok(cfg->tun_table == 0xFFFFFFFFU && cfg->tun_mtu == 1500,
		    "hex int is read unsigned");
	config_free(cfg);
}

/* metrics.listen: accepted forms, absent or empty means no metrics. */
static void
test_metrics(void)
{
	static const char *const empty[] = {
		PEER_A "metrics = { };\n",
		PEER_A "metrics = { listen = \"\"; };\n",
	};
	struct config	*cfg;
	struct ipaddr	 addr;
	uint16_t	 port = 0;
	const char	*why = NULL;
	char		 buf[ADDR_STRLEN];
	size_t		 i;

	cfg = load_good(PEER_A "metrics = { listen = \"127.0.0.1:9899\"; };\n",
	    "metrics IPv4");
	if (cfg != NULL) {
		ok(strcmp(cfg->metrics_listen, "127.0.0.1:9899") == 0,
		    "metrics.listen kept: %s", cfg->metrics_listen);
		test_roundtrip(cfg, "metrics IPv4");
	}
	config_free(cfg);
	cfg = load_good(PEER_A "metrics = { listen = \"[2001:db8::1]:65535\"; "
	    "};\n", "metrics IPv6");
	if (cfg != NULL)
		test_roundtrip(cfg, "metrics IPv6");
	config_free(cfg);
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		if ((cfg = load_good(empty[i], "metrics empty")) != NULL)
			ok(cfg->metrics_listen[0] == '\0',
			    "metrics empty %zu: no metrics", i);
		config_free(cfg);
	}
	ok(config_parse_listen("[::1]:1", &addr, &port, &why) == 0 &&
	    addr.family == AF_INET6 && port == 1 &&
	    strcmp(addr_ntop(&addr, buf, sizeof(buf)), "::1") == 0,
	    "config_parse_listen [::1]:1");
	ok(config_parse_listen("0.0.0.0:09899", &addr, &port, &why) == 0 &&
	    addr.family == AF_INET && port == 9899,
	    "config_parse_listen 0.0.0.0:09899");
	ok(config_parse_listen("[::1]:99999", &addr, &port, &why) == -1 &&
	    why != NULL && strstr(why, "port") != NULL,
	    "config_parse_listen [::1]:99999: %s", why);
}

/* Longest prefix match across peers. */
static void
test_match(void)
{
	struct config	*cfg;
	struct ipaddr	 a;
	static const struct {
		const char	*addr;
		int		 peer;
	} cases[] = {
		{ "10.1.2.3", 0 }, { "10.9.0.1", 1 }, { "10.9.9.9", 2 },
		{ "11.0.0.1", -1 }, { "2001:db8::1", 1 },
		{ "2001:db8:1::1", 0 }, { "2001:db9::1", -1 }, { "::", -1 },
	};
	size_t		 i;

	cfg = load_good("peers = (\n"
	    " { name = \"wide\";"
	    " prefixes = [ \"10.0.0.0/8\", \"2001:db8::/32\" ];"
	    " },\n"
	    " { name = \"mid\";"
	    " prefixes = [ \"10.9.0.0/16\", \"2001:db8::/48\" ];"
	    " },\n"
	    " { name = \"host\"; prefixes = [ \"10.9.9.9\" ]; } );\n",
	    "three nested peers");
	if (cfg == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (addr_pton(cases[i].addr, &a) == -1) {
			ok(0, "addr_pton %s", cases[i].addr);
			continue;
		}
		ok(config_match_peer(cfg, &a) == cases[i].peer,
		    "match %s -> %d", cases[i].addr, cases[i].peer);
	}
	config_free(cfg);
}

/* Read "# expect: LINE: message" from the first line of a bad file. */
static int
read_expect(const char *path, unsigned int *line, char *msg, size_t len)
{
	FILE	*fp;
	char	 first[512];
	int	 n = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(first, sizeof(first), fp) != NULL &&
	    sscanf(first, "# expect: %u: %n", line, &n) == 1 && n > 0) {
		first[strcspn(first, "\n")] = '\0';
		snprintf(msg, len, "%s", first + n);
	}
	fclose(fp);
	return n > 0 ? 0 : -1;
}

/* Every t/conf/bad-*.conf fails where its first line says. */
static void
test_conf_dir(void)
{
	const char	*top = getenv("top_srcdir");
	char		 dir[1024], path[1400], msg[256], want[1500];
	char		*cause;
	struct config	*cfg;
	struct dirent	*de;
	unsigned int	 line;
	DIR		*d;
	int		 n = 0;

	snprintf(dir, sizeof(dir), "%s/t/conf", top != NULL ? top : "..");
	if ((d = opendir(dir)) == NULL) {
		ok(0, "open %s", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!ok(read_expect(path, &line, msg, sizeof(msg)) == 0,
		    "%s has an expect line", de->d_name))
			continue;
		cfg = config_load(path, &cause);
		snprintf(want, sizeof(want), "%s:%u: ", path, line);
		if (!ok(cfg == NULL && cause != NULL &&
		    strncmp(cause, want, strlen(want)) == 0 &&
		    strstr(cause, msg) != NULL, "%s: line %u, \"%s\"",
		    de->d_name, line, msg))
			diag("got: %s", cause != NULL ? cause : "(no error)");
		config_free(cfg);
		free(cause);
		n++;
	}
	closedir(d);
	ok(n >= 5, "t/conf holds %d bad files", n);
}

int
main(void)
{
	struct config	*cfg;
	char		*cause;
	size_t		 i;

	if (mkdtemp(tmpdir) == NULL) {
		printf("1..0 # SKIP cannot create a temporary directory\n");
		return 0;
	}
	snprintf(tmppath, sizeof(tmppath), "%s/test.conf", tmpdir);

	test_sample();
	test_defaults();
	test_edges();
	test_match();
	test_metrics();
	test_restart_needed();
	test_fastpath();
	test_dtls();
	test_cluster();
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		test_bad(bad_cases[i].text, bad_cases[i].line,
		    bad_cases[i].message, "bad case");
	test_conf_dir();

	cfg = config_load("/nonexistent/sctptun.conf", &cause);
	ok(cfg == NULL && cause != NULL && strcmp(cause,
	    "/nonexistent/sctptun.conf: cannot open: No such file or "
	    "directory") == 0, "missing file: %s", cause);
	free(cause);
	cfg = config_load(tmpdir, &cause);
	ok(cfg == NULL && cause != NULL &&
	    strstr(cause, "cannot open: Is a directory") != NULL,
	    "directory: %s", cause);
	free(cause);

	unlink(tmppath);
	rmdir(tmpdir);
	return tap_done(0);
}
