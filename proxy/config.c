/*
 * config: the sctptun.conf schema.  Reads a libconfig file into a struct
 * config, checking every key, type and range, and prints one back.
 *
 * The parser has no side effects (no logging, no exit, no system changes):
 * it returns a struct or a "file:line: message" cause, so that -n, reload,
 * the tests and the fuzzers share it.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "config.h"
#include "log.h"
#include "table.h"

#ifndef CONTROL_SOCKET
#define CONTROL_SOCKET	"/run/sctptun/control.sock"
#endif

#ifndef STATE_FILE
#define STATE_FILE	"/run/sctptun/state"
#endif

#define CONFIG_DEFAULT_PORT	9899
#define CONFIG_DEFAULT_DTLS_PORT 9900

/* What every check needs to report an error. */
struct config_ctx {
	const char	*path;
	char		**cause;
};

static const char *const config_root_keys[] = {
	"udp_port", "tun", "peers", "limits", "control", "log", "metrics",
	"user", "state", "monitor", "dtls", "fastpath", "cluster", NULL
};
static const char *const config_cluster_keys[] = {
	"members", "dns", "resolve_seconds", "port", "key_file", NULL
};
static const char *const config_tun_keys[] = {
	"name", "mtu", "table", "rule_priority", NULL
};
static const char *const config_peer_keys[] = {
	"name", "prefixes", "remote_port", "strip_addresses", "dtls", NULL
};
static const char *const config_dtls_keys[] = {
	"port", "certificate", "key", "ca", "rekey_seconds",
	"handshake_timeout", "max_handshakes", NULL
};
static const char *const config_peer_dtls_keys[] = {
	"psk_identity", "psk_file", "ca", "pin", NULL
};
static const char *const config_limits_keys[] = {
	"associations", "embryonic", "idle_timeout", "embryonic_timeout", NULL
};
static const char *const config_control_keys[] = { "socket", NULL };
static const char *const config_log_keys[] = { "level", NULL };
static const char *const config_metrics_keys[] = { "listen", NULL };
static const char *const config_state_keys[] = { "file", "interval", NULL };
static const char *const config_monitor_keys[] = {
	"path_silent", "drop_summary", NULL
};

static int	config_error(struct config_ctx *, const config_setting_t *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

/* Fill with the defaults of the schema. */
void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->udp_port = CONFIG_DEFAULT_PORT;
	snprintf(cfg->tun_name, sizeof(cfg->tun_name), "sctptun0");
	cfg->tun_mtu = 0;
	cfg->tun_table = 9899;
	cfg->rule_priority = 9899;
	cfg->max_assocs = 65536;
	cfg->max_embryonic = 4096;
	cfg->idle_timeout = 600;
	cfg->embryonic_timeout = 60;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
	    CONTROL_SOCKET);
	cfg->log_level = LOG_INFO;
	snprintf(cfg->state_file, sizeof(cfg->state_file), "%s", STATE_FILE);
	cfg->state_interval = 5;
	cfg->path_silent = 45;
	cfg->drop_summary = 5;
	cfg->dtls.port = CONFIG_DEFAULT_DTLS_PORT;
	cfg->dtls.rekey_seconds = 3600;
	cfg->dtls.handshake_timeout = 10;
	cfg->dtls.max_handshakes = 64;
	cfg->cluster.resolve_seconds = 10;
}

/*
 * Set the cause to "file:line: message" for setting s; the root group and a
 * missing setting have no line of their own, so they point at line 1.
 */
static int
config_error(struct config_ctx *ctx, const config_setting_t *s,
    const char *fmt, ...)
{
	const char	*file = NULL;
	unsigned int	 line = 0;
	char		*msg;
	va_list		 ap;

	if (s != NULL) {
		file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	if (file == NULL)
		file = ctx->path;
	if (line == 0)
		line = 1;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || asprintf(ctx->cause, "%s:%u: %s", file, line,
	    msg) == -1)
		*ctx->cause = NULL;
	free(msg);
	return -1;
}

/* Reject keys of group that are not in allowed, naming those that are. */
static int
config_check_keys(struct config_ctx *ctx, const config_setting_t *group,
    const char *where, const char *const *allowed)
{
	config_setting_t	*s;
	const char		*name;
	char			 list[256];
	size_t			 len;
	int			 i, j;

	for (i = 0; (s = config_setting_get_elem(group, i)) != NULL; i++) {
		name = config_setting_name(s);
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(allowed[j], name) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		len = 0;
		list[0] = '\0';
		for (j = 0; allowed[j] != NULL && len < sizeof(list); j++)
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
			    j > 0 ? ", " : "", allowed[j]);
		return config_error(ctx, s, "unknown key '%s' in %s "
		    "(allowed: %s)", name, where, list);
	}
	return 0;
}

/*
 * The member key of group if it is a group; NULL (not an error) if absent.
 * Returns -1 if present with another type.
 */
static int
config_get_group(struct config_ctx *ctx, const config_setting_t *group,
    const char *key, config_setting_t **out)
{
	*out = config_setting_get_member(group, key);
	if (*out == NULL)
		return 0;
	if (config_setting_type(*out) != CONFIG_TYPE_GROUP)
		return config_error(ctx, *out, "%s must be a group: "
		    "%s = { ... };", key, key);
	return 0;
}

/*
 * Read an integer setting into *out if it is present, checking that it lies
 * in [min, max].  Both int and int64 are accepted; a hex int is read as the
 * unsigned 32-bit value libconfig parsed it from.
 */
static int
config_get_uint(struct config_ctx *ctx, const config_setting_t *group,
    const char *key, const char *path, long long min, long long max,
    uint32_t *out)
{
	config_setting_t	*s;
	long long		 v;

	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX)
			v = (uint32_t)v;
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		return config_error(ctx, s, "%s must be an integer", path);
	}
	if (v < min || v > max)
		return config_error(ctx, s, "%s must be between %lld and %lld, "
		    "not %lld", path, min, max, v);
	*out = (uint32_t)v;
	return 0;
}

/* The string value of key if present (else *out is NULL). */
static int
config_get_string(struct config_ctx *ctx, const config_setting_t *group,
    const char *key, const char *path, const char **out,
    config_setting_t **sp)
{
	config_setting_t	*s;

	*out = NULL;
	if ((s = config_setting_get_member(group, key)) == NULL)
		return 0;
	if (sp != NULL)
		*sp = s;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return config_error(ctx, s, "%s must be a string", path);
	*out = config_setting_get_string(s);
	return 0;
}

/* 1 if name has only the characters allowed in interface and peer names. */
static int
config_valid_name(const char *name)
{
	const char	*p;

	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL)
			return 0;
	return 1;
}

/* Parse the tun group: the device and the policy routing it uses. */
static int
config_parse_tun(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*tun, *s = NULL;
	const char		*name;
	uint32_t		 mtu = 0;

	if (config_get_group(ctx, root, "tun", &tun) == -1)
		return -1;
	if (tun == NULL)
		return 0;
	if (config_check_keys(ctx, tun, "tun", config_tun_keys) == -1)
		return -1;
	if (config_get_string(ctx, tun, "name", "tun.name", &name, &s) == -1)
		return -1;
	if (name != NULL) {
		if (strlen(name) >= sizeof(cfg->tun_name) ||
		    !config_valid_name(name))
			return config_error(ctx, s, "tun.name must be 1 to %zu "
			    "characters among letters, digits, '.', '_' and "
			    "'-'", sizeof(cfg->tun_name) - 1);
		snprintf(cfg->tun_name, sizeof(cfg->tun_name), "%s", name);
	}
	if (config_get_uint(ctx, tun, "mtu", "tun.mtu", 0, 65535 - 8,
	    &mtu) == -1)
		return -1;
	if (mtu != 0 && mtu < 576)
		return config_error(ctx, config_setting_get_member(tun, "mtu"),
		    "tun.mtu must be 0 (automatic) or between 576 and %d",
		    65535 - 8);
	cfg->tun_mtu = mtu;
	if (config_get_uint(ctx, tun, "table", "tun.table", 1, UINT32_MAX,
	    &cfg->tun_table) == -1)
		return -1;
	if (cfg->tun_table >= 253 && cfg->tun_table <= 255)
		return config_error(ctx, config_setting_get_member(tun,
		    "table"), "tun.table must not be one of the kernel's "
		    "tables 253 (default), 254 (main) or 255 (local)");
	/* 0 is the local rule and 32766 the main one: stay between them. */
	return config_get_uint(ctx, tun, "rule_priority", "tun.rule_priority",
	    1, 32765, &cfg->rule_priority);
}

/* Fail if prefix p (at setting s) is already held by peer 0..npeer. */
static int
config_check_duplicate(struct config_ctx *ctx, struct config *cfg,
    size_t npeer, const struct prefix *p, const config_setting_t *s)
{
	struct peer_config	*peer;
	const struct prefix	*q;
	char			 buf[ADDR_STRLEN];
	size_t			 i, j;

	for (i = 0; i <= npeer; i++) {
		peer = &cfg->peers[i];
		for (j = 0; j < peer->nprefixes; j++) {
			q = &peer->prefixes[j];
			if (q->len != p->len ||
			    q->addr.family != p->addr.family ||
			    memcmp(&q->addr.u, &p->addr.u, sizeof(q->addr.u)))
				continue;
			prefix_ntop(p, buf, sizeof(buf));
			if (i == npeer)
				return config_error(ctx, s, "prefix %s is "
				    "listed twice in peer '%s'", buf,
				    peer->name);
			return config_error(ctx, s, "prefix %s of peer '%s' "
			    "is already a prefix of peer '%s'", buf,
			    cfg->peers[npeer].name, peer->name);
		}
	}
	return 0;
}

/* Parse the prefixes of peer n, which the peer group holds. */
static int
config_parse_prefixes(struct config_ctx *ctx, struct config *cfg, size_t n,
    const config_setting_t *group)
{
	struct peer_config	*peer = &cfg->peers[n];
	config_setting_t	*list, *s;
	const char		*str, *why;
	struct prefix		 p;
	int			 i, count;

	list = config_setting_get_member(group, "prefixes");
	if (list == NULL)
		return config_error(ctx, group, "peers[%zu].prefixes is "
		    "required", n);
	if (config_setting_type(list) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(list) != CONFIG_TYPE_LIST)
		return config_error(ctx, list, "peers[%zu].prefixes must be "
		    "an array of strings: [ \"192.0.2.0/24\" ]", n);
	if ((count = config_setting_length(list)) == 0)
		return config_error(ctx, list, "peers[%zu].prefixes must hold "
		    "at least one prefix", n);
	peer->prefixes = calloc(count, sizeof(*peer->prefixes));
	if (peer->prefixes == NULL)
		return config_error(ctx, list, "out of memory");
	for (i = 0; i < count; i++) {
		s = config_setting_get_elem(list, i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return config_error(ctx, s, "peers[%zu].prefixes[%d] "
			    "must be a string", n, i);
		str = config_setting_get_string(s);
		if (prefix_parse(str, &p, &why) == -1)
			return config_error(ctx, s, "peers[%zu].prefixes[%d]: "
			    "bad prefix \"%s\": %s", n, i, str, why);
		if (config_check_duplicate(ctx, cfg, n, &p, s) == -1)
			return -1;
		peer->prefixes[peer->nprefixes++] = p;
	}
	return 0;
}

/* Parse the name of peer n, which must differ from those before it. */
static int
config_parse_peer_name(struct config_ctx *ctx, struct config *cfg, size_t n,
    const config_setting_t *group)
{
	config_setting_t	*s = NULL;
	const char		*name;
	char			 path[32];
	size_t			 i;

	snprintf(path, sizeof(path), "peers[%zu].name", n);
	if (config_get_string(ctx, group, "name", path, &name, &s) == -1)
		return -1;
	if (name == NULL)
		return config_error(ctx, group, "%s is required", path);
	if (strlen(name) >= CONFIG_NAME_MAX || !config_valid_name(name))
		return config_error(ctx, s, "%s must be 1 to %d characters "
		    "among letters, digits, '.', '_' and '-'", path,
		    CONFIG_NAME_MAX - 1);
	for (i = 0; i < n; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return config_error(ctx, s, "duplicate peer name "
			    "'%s'", name);
	snprintf(cfg->peers[n].name, sizeof(cfg->peers[n].name), "%s",
	    name);
	return 0;
}

/*
 * A file name from key of group into buf: relative names are taken from
 * the configuration file's directory, as libconfig's @include is.
 */
static int
config_get_file(struct config_ctx *ctx, const config_setting_t *group,
    const char *key, const char *path, char *buf, size_t len,
    unsigned int *line)
{
	config_setting_t	*s = NULL;
	const char		*str, *slash;
	int			 n, dirlen = 0;

	if (config_get_string(ctx, group, key, path, &str, &s) == -1)
		return -1;
	if (str == NULL)
		return 0;
	*line = config_setting_source_line(s);
	if (*str == '\0')
		return config_error(ctx, s, "%s must name a file", path);
	if (*str != '/' && (slash = strrchr(ctx->path, '/')) != NULL)
		dirlen = (int)(slash - ctx->path) + 1;
	n = snprintf(buf, len, "%.*s%s", dirlen, ctx->path, str);
	if (n < 0 || (size_t)n >= len)
		return config_error(ctx, s, "%s: path longer than %zu bytes",
		    path, len - 1);
	return 0;
}

/* Parse "sha256:BASE64" of key pin in group into d. */
static int
config_parse_pin(struct config_ctx *ctx, struct peer_dtls *d,
    const config_setting_t *group, const char *where)
{
	config_setting_t	*s = NULL;
	const char		*str;
	char			 path[64];

	snprintf(path, sizeof(path), "%s.pin", where);
	if (config_get_string(ctx, group, "pin", path, &str, &s) == -1)
		return -1;
	if (str == NULL)
		return 0;
	if (strncmp(str, "sha256:", 7) != 0 ||
	    base64_decode(str + 7, strlen(str + 7), d->pin,
	    sizeof(d->pin)) != CONFIG_PIN_LEN)
		return config_error(ctx, s, "%s must be \"sha256:\" and the "
		    "base64 of the 32-byte SHA-256 of the peer's public key "
		    "(SubjectPublicKeyInfo, DER), 44 characters", path);
	d->has_pin = 1;
	d->pin_line = config_setting_source_line(s);
	return 0;
}

/* Parse the PSK settings of a peer's dtls group. */
static int
config_parse_psk(struct config_ctx *ctx, struct peer_dtls *d,
    const config_setting_t *group, const char *where)
{
	config_setting_t	*s = NULL;
	const char		*str, *p;
	char			 path[64];

	snprintf(path, sizeof(path), "%s.psk_identity", where);
	if (config_get_string(ctx, group, "psk_identity", path, &str,
	    &s) == -1)
		return -1;
	if (str != NULL) {
		for (p = str; *p != '\0' && isprint((unsigned char)*p); p++)
			;
		if (*str == '\0' || *p != '\0' ||
		    strlen(str) >= sizeof(d->psk_identity))
			return config_error(ctx, s, "%s must be 1 to %zu "
			    "printable characters", path,
			    sizeof(d->psk_identity) - 1);
		snprintf(d->psk_identity, sizeof(d->psk_identity), "%s", str);
	}
	snprintf(path, sizeof(path), "%s.psk_file", where);
	return config_get_file(ctx, group, "psk_file", path, d->psk_file,
	    sizeof(d->psk_file), &d->psk_file_line);
}

/* The way a peer's dtls group authenticates must be one, and complete. */
static int
config_check_peer_auth(struct config_ctx *ctx, const struct config *cfg,
    const struct peer_dtls *d, const config_setting_t *g, const char *where)
{
	int	psk = d->psk_identity[0] != '\0' || d->psk_file[0] != '\0';
	int	certs = d->ca[0] != '\0' || d->has_pin;

	if (psk && certs)
		return config_error(ctx, g, "%s: a pre-shared key "
		    "(psk_identity, psk_file) or certificates (ca, pin), not "
		    "both", where);
	if (psk && (d->psk_identity[0] == '\0' || d->psk_file[0] == '\0'))
		return config_error(ctx, g, "%s: psk_identity and psk_file go "
		    "together", where);
	if (!psk && !certs && cfg->dtls.ca[0] == '\0')
		return config_error(ctx, g, "%s: say how the peer "
		    "authenticates: psk_identity and psk_file, or ca and/or "
		    "pin (or a global dtls.ca)", where);
	if (!psk && (cfg->dtls.certificate[0] == '\0' ||
	    cfg->dtls.key[0] == '\0'))
		return config_error(ctx, g, "%s authenticates with "
		    "certificates: dtls.certificate and dtls.key are needed",
		    where);
	return 0;
}

/* Parse the dtls group of peer n, if it has one. */
static int
config_parse_peer_dtls(struct config_ctx *ctx, struct config *cfg,
    size_t n, const config_setting_t *group)
{
	struct peer_dtls	*d;
	config_setting_t	*g;
	char			 where[32], path[64];

	snprintf(where, sizeof(where), "peers[%zu].dtls", n);
	if (config_get_group(ctx, group, "dtls", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (!cfg->dtls.enabled)
		return config_error(ctx, g, "%s needs the top-level dtls "
		    "group: dtls = { port = ...; };", where);
	if (config_check_keys(ctx, g, where, config_peer_dtls_keys) == -1)
		return -1;
	if ((d = cfg->peers[n].dtls = calloc(1, sizeof(*d))) == NULL)
		return config_error(ctx, g, "out of memory");
	d->line = config_setting_source_line(g);
	snprintf(path, sizeof(path), "%s.ca", where);
	if (config_parse_psk(ctx, d, g, where) == -1 ||
	    config_get_file(ctx, g, "ca", path, d->ca, sizeof(d->ca),
	    &d->ca_line) == -1 || config_parse_pin(ctx, d, g, where) == -1)
		return -1;
	return config_check_peer_auth(ctx, cfg, d, g, where);
}

/* Parse the top-level dtls group: what encrypted peers share. */
static int
config_parse_dtls(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	struct dtls_config	*d = &cfg->dtls;
	config_setting_t	*g;
	uint32_t		 port = d->port;

	if (config_get_group(ctx, root, "dtls", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	d->enabled = 1;
	d->line = config_setting_source_line(g);
	if (config_check_keys(ctx, g, "dtls", config_dtls_keys) == -1 ||
	    config_get_uint(ctx, g, "port", "dtls.port", 1, 65535,
	    &port) == -1 ||
	    config_get_file(ctx, g, "certificate", "dtls.certificate",
	    d->certificate, sizeof(d->certificate),
	    &d->certificate_line) == -1 ||
	    config_get_file(ctx, g, "key", "dtls.key", d->key, sizeof(d->key),
	    &d->key_line) == -1 ||
	    config_get_file(ctx, g, "ca", "dtls.ca", d->ca, sizeof(d->ca),
	    &d->ca_line) == -1 ||
	    config_get_uint(ctx, g, "rekey_seconds", "dtls.rekey_seconds", 2,
	    604800, &d->rekey_seconds) == -1 ||
	    config_get_uint(ctx, g, "handshake_timeout",
	    "dtls.handshake_timeout", 1, 300, &d->handshake_timeout) == -1 ||
	    config_get_uint(ctx, g, "max_handshakes", "dtls.max_handshakes",
	    1, 65536, &d->max_handshakes) == -1)
		return -1;
	d->port = port;
	if (d->port == cfg->udp_port)
		return config_error(ctx, config_setting_get_member(g, "port") ?
		    config_setting_get_member(g, "port") : g, "dtls.port must "
		    "differ from udp_port (%u): cleartext and DTLS never share "
		    "a port", cfg->udp_port);
	if ((d->certificate[0] == '\0') != (d->key[0] == '\0'))
		return config_error(ctx, g, "dtls.certificate and dtls.key go "
		    "together");
	return 0;
}

/* Parse peer n from its group. */
static int
config_parse_peer(struct config_ctx *ctx, struct config *cfg, size_t n,
    const config_setting_t *group)
{
	struct peer_config	*peer = &cfg->peers[n];
	config_setting_t	*s;
	char			 where[32], path[48];
	uint32_t		 port = CONFIG_DEFAULT_PORT;

	snprintf(where, sizeof(where), "peers[%zu]", n);
	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return config_error(ctx, group, "%s must be a group: "
		    "{ name = ...; prefixes = [ ... ]; }", where);
	if (config_check_keys(ctx, group, where, config_peer_keys) == -1)
		return -1;
	if (config_parse_peer_name(ctx, cfg, n, group) == -1)
		return -1;
	if (config_parse_prefixes(ctx, cfg, n, group) == -1)
		return -1;
	if (config_parse_peer_dtls(ctx, cfg, n, group) == -1)
		return -1;
	/* An encrypted peer's port is its DTLS port: ours by default. */
	if (peer->dtls != NULL)
		port = cfg->dtls.port;
	snprintf(path, sizeof(path), "%s.remote_port", where);
	if (config_get_uint(ctx, group, "remote_port", path, 1, 65535,
	    &port) == -1)
		return -1;
	peer->remote_port = port;
	if ((s = config_setting_get_member(group, "strip_addresses")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return config_error(ctx, s, "%s.strip_addresses must "
			    "be true or false", where);
		peer->strip_addresses = config_setting_get_bool(s);
	}
	return 0;
}

/* Parse the peers list: at least one peer. */
static int
config_parse_peers(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*list;
	int			 i, count;

	if ((list = config_setting_get_member(root, "peers")) == NULL)
		return config_error(ctx, root, "peers is required: "
		    "peers = ( { name = ...; prefixes = [ ... ]; } );");
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return config_error(ctx, list, "peers must be a list of "
		    "groups: peers = ( { ... }, { ... } );");
	if ((count = config_setting_length(list)) == 0)
		return config_error(ctx, list, "peers must hold at least one "
		    "peer");
	if ((cfg->peers = calloc(count, sizeof(*cfg->peers))) == NULL)
		return config_error(ctx, list, "out of memory");
	for (i = 0; i < count; i++) {
		cfg->peers[i].remote_port = CONFIG_DEFAULT_PORT;
		cfg->npeers++;
		if (config_parse_peer(ctx, cfg, i,
		    config_setting_get_elem(list, i)) == -1)
			return -1;
	}
	return 0;
}

/* Parse the limits group: the association table's bounds and timers. */
static int
config_parse_limits(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*g;

	if (config_get_group(ctx, root, "limits", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (config_check_keys(ctx, g, "limits", config_limits_keys) == -1)
		return -1;
	if (config_get_uint(ctx, g, "associations", "limits.associations",
	    1, 4194304, &cfg->max_assocs) == -1 ||
	    config_get_uint(ctx, g, "embryonic", "limits.embryonic",
	    1, 1048576, &cfg->max_embryonic) == -1 ||
	    config_get_uint(ctx, g, "idle_timeout", "limits.idle_timeout",
	    30, 604800, &cfg->idle_timeout) == -1 ||
	    config_get_uint(ctx, g, "embryonic_timeout",
	    "limits.embryonic_timeout", 1, 3600, &cfg->embryonic_timeout) == -1)
		return -1;
	return 0;
}

/* Parse the control and log groups. */
static int
config_parse_control_log(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*g, *s = NULL;
	const char		*str;

	if (config_get_group(ctx, root, "control", &g) == -1)
		return -1;
	if (g != NULL) {
		if (config_check_keys(ctx, g, "control",
		    config_control_keys) == -1 ||
		    config_get_string(ctx, g, "socket", "control.socket", &str,
		    &s) == -1)
			return -1;
		if (str != NULL && (str[0] != '/' ||
		    strlen(str) >= sizeof(cfg->control_socket)))
			return config_error(ctx, s, "control.socket must be an "
			    "absolute path shorter than %zu bytes",
			    sizeof(cfg->control_socket));
		if (str != NULL)
			snprintf(cfg->control_socket,
			    sizeof(cfg->control_socket), "%s", str);
	}
	if (config_get_group(ctx, root, "log", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (config_check_keys(ctx, g, "log", config_log_keys) == -1 ||
	    config_get_string(ctx, g, "level", "log.level", &str, &s) == -1)
		return -1;
	if (str != NULL && (cfg->log_level = log_level_parse(str)) == -1)
		return config_error(ctx, s, "log.level must be one of error, "
		    "warning, notice, info, debug; not \"%s\"", str);
	return 0;
}

/*
 * Split "ADDR:PORT" or "[IPv6]:PORT" into an address and a port.  An IPv6
 * address needs the brackets: without them its last group would read as
 * the port.
 */
int
config_parse_listen(const char *str, struct ipaddr *addr, uint16_t *port,
    const char **why)
{
	char		 host[CONFIG_LISTEN_MAX];
	const char	*colon, *p;
	size_t		 len;
	unsigned long	 v = 0;

	*why = "expected ADDR:PORT or [IPv6]:PORT";
	if (strlen(str) >= sizeof(host) || (colon = strrchr(str, ':')) == NULL)
		return -1;
	p = str;
	len = colon - str;
	if (*str == '[') {
		if (len < 2 || str[len - 1] != ']')
			return -1;
		p++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return -1;
	memcpy(host, p, len);
	host[len] = '\0';
	if (addr_pton(host, addr) == -1 ||
	    (*str != '[' && addr->family == AF_INET6) ||
	    (*str == '[' && addr->family != AF_INET6)) {
		*why = "bad address (IPv6 goes in brackets: [::1]:9899)";
		return -1;
	}
	for (p = colon + 1; isdigit((unsigned char)*p) && v <= 65535; p++)
		v = v * 10 + (*p - '0');
	if (p == colon + 1 || *p != '\0' || v == 0 || v > 65535) {
		*why = "bad port (1 to 65535)";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* Parse the metrics group: where the Prometheus endpoint listens. */
static int
config_parse_metrics(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*g, *s = NULL;
	const char		*str, *why;
	struct ipaddr		 addr;
	uint16_t		 port;

	if (config_get_group(ctx, root, "metrics", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (config_check_keys(ctx, g, "metrics", config_metrics_keys) == -1 ||
	    config_get_string(ctx, g, "listen", "metrics.listen", &str,
	    &s) == -1)
		return -1;
	if (str == NULL || *str == '\0')
		return 0;
	if (config_parse_listen(str, &addr, &port, &why) == -1)
		return config_error(ctx, s, "metrics.listen \"%.80s\": %s",
		    str, why);
	snprintf(cfg->metrics_listen, sizeof(cfg->metrics_listen), "%s", str);
	return 0;
}

/* A user name as useradd accepts it: [a-z_][a-z0-9_-]*[$]?. */
static int
config_valid_user(const char *name)
{
	const char	*p;

	if (*name == '\0')
		return 1;
	if (!islower((unsigned char)*name) && *name != '_')
		return 0;
	for (p = name + 1; *p != '\0'; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '_' && *p != '-' && !(*p == '$' && p[1] == '\0'))
			return 0;
	return 1;
}

/* Parse user: who sctptund becomes once set up. */
static int
config_parse_user(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*s = NULL;
	const char		*str;

	if (config_get_string(ctx, root, "user", "user", &str, &s) == -1)
		return -1;
	if (str == NULL)
		return 0;
	if (strlen(str) >= sizeof(cfg->user) || !config_valid_user(str))
		return config_error(ctx, s, "user \"%.40s\" is not a valid "
		    "user name", str);
	snprintf(cfg->user, sizeof(cfg->user), "%s", str);
	return 0;
}

/* Parse the state group: where the table is kept across restarts. */
static int
config_parse_state(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*g, *s = NULL;
	const char		*str;

	if (config_get_group(ctx, root, "state", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (config_check_keys(ctx, g, "state", config_state_keys) == -1 ||
	    config_get_uint(ctx, g, "interval", "state.interval", 1, 3600,
	    &cfg->state_interval) == -1 ||
	    config_get_string(ctx, g, "file", "state.file", &str, &s) == -1)
		return -1;
	if (str == NULL)
		return 0;
	if (*str != '\0' && (str[0] != '/' ||
	    strlen(str) >= sizeof(cfg->state_file)))
		return config_error(ctx, s, "state.file must be \"\" or an "
		    "absolute path shorter than %zu bytes",
		    sizeof(cfg->state_file));
	snprintf(cfg->state_file, sizeof(cfg->state_file), "%s", str);
	return 0;
}

/* Parse the monitor group: when paths count as silent, drop summaries. */
static int
config_parse_monitor(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*g;

	if (config_get_group(ctx, root, "monitor", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (config_check_keys(ctx, g, "monitor", config_monitor_keys) == -1 ||
	    config_get_uint(ctx, g, "path_silent", "monitor.path_silent", 1,
	    86400, &cfg->path_silent) == -1 ||
	    config_get_uint(ctx, g, "drop_summary", "monitor.drop_summary", 1,
	    3600, &cfg->drop_summary) == -1)
		return -1;
	return 0;
}

const char *
config_fastpath_name(int mode)
{
	switch (mode) {
	case FASTPATH_ON:	return "on";
	case FASTPATH_OFF:	return "off";
	default:		return "auto";
	}
}

/* fastpath = "auto" | "on" | "off". */
static int
config_parse_fastpath(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	config_setting_t	*s;
	const char		*str;

	if (config_get_string(ctx, root, "fastpath", "fastpath", &str,
	    &s) == -1)
		return -1;
	if (str == NULL || strcmp(str, "auto") == 0)
		cfg->fastpath = FASTPATH_AUTO;
	else if (strcmp(str, "on") == 0)
		cfg->fastpath = FASTPATH_ON;
	else if (strcmp(str, "off") == 0)
		cfg->fastpath = FASTPATH_OFF;
	else
		return config_error(ctx, s, "fastpath must be \"auto\", "
		    "\"on\" or \"off\"; not \"%s\"", str);
	return 0;
}

/* 1 if name is a plausible DNS name: labels of letters, digits, '-', '_'. */
static int
config_valid_dns(const char *name)
{
	const char	*p;
	size_t		 label = 0;

	if (*name == '\0' || strlen(name) >= CONFIG_DNS_MAX)
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' ||
		    *p == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return 1;
}

/* Parse cluster.members: unicast addresses, each once. */
static int
config_parse_members(struct config_ctx *ctx, struct cluster_config *c,
    const config_setting_t *list)
{
	config_setting_t	*s;
	const char		*str;
	struct ipaddr		 a;
	size_t			 j;
	int			 i, count;

	if (config_setting_type(list) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(list) != CONFIG_TYPE_LIST)
		return config_error(ctx, list, "cluster.members must be an "
		    "array of strings: [ \"10.0.0.1\", \"10.0.0.2\" ]");
	if ((count = config_setting_length(list)) == 0)
		return config_error(ctx, list, "cluster.members must hold at "
		    "least one address");
	if (count > CLUSTER_MAX_MEMBERS)
		return config_error(ctx, list, "cluster.members: at most %d "
		    "members", CLUSTER_MAX_MEMBERS);
	if ((c->members = calloc(count, sizeof(*c->members))) == NULL)
		return config_error(ctx, list, "out of memory");
	for (i = 0; i < count; i++) {
		s = config_setting_get_elem(list, i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return config_error(ctx, s, "cluster.members[%d] must "
			    "be a string", i);
		str = config_setting_get_string(s);
		if (addr_pton(str, &a) == -1 || !addr_is_unicast(&a))
			return config_error(ctx, s, "cluster.members[%d]: "
			    "\"%s\" is not a unicast IPv4 or IPv6 address", i,
			    str);
		for (j = 0; j < c->nmembers; j++)
			if (addr_equal(&c->members[j], &a))
				return config_error(ctx, s, "cluster.members"
				    "[%d]: %s is listed twice", i, str);
		c->members[c->nmembers++] = a;
	}
	return 0;
}

/* Parse the cluster group: its members (a list or a name), port, key. */
static int
config_parse_cluster(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	struct cluster_config	*c = &cfg->cluster;
	config_setting_t	*g, *list, *s = NULL;
	const char		*dns;
	uint32_t		 port = 0;

	if (config_get_group(ctx, root, "cluster", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	c->enabled = 1;
	c->line = config_setting_source_line(g);
	if (config_check_keys(ctx, g, "cluster", config_cluster_keys) == -1 ||
	    config_get_uint(ctx, g, "port", "cluster.port", 1, 65535,
	    &port) == -1 ||
	    config_get_uint(ctx, g, "resolve_seconds",
	    "cluster.resolve_seconds", 1, 3600, &c->resolve_seconds) == -1 ||
	    config_get_string(ctx, g, "dns", "cluster.dns", &dns, &s) == -1 ||
	    config_get_file(ctx, g, "key_file", "cluster.key_file",
	    c->key_file, sizeof(c->key_file), &c->key_file_line) == -1)
		return -1;
	list = config_setting_get_member(g, "members");
	if ((list != NULL) == (dns != NULL))
		return config_error(ctx, list != NULL ? list : g, "cluster "
		    "needs either members = [ \"ADDR\", ... ] or dns = "
		    "\"NAME\", not %s", list != NULL ? "both" : "neither");
	if (list != NULL && config_parse_members(ctx, c, list) == -1)
		return -1;
	if (dns != NULL) {
		if (!config_valid_dns(dns))
			return config_error(ctx, s, "cluster.dns: \"%s\" is "
			    "not a DNS name", dns);
		snprintf(c->dns, sizeof(c->dns), "%s", dns);
	} else if (config_setting_get_member(g, "resolve_seconds") != NULL)
		return config_error(ctx, config_setting_get_member(g,
		    "resolve_seconds"), "cluster.resolve_seconds goes with "
		    "cluster.dns");
	if (port == 0)
		return config_error(ctx, g, "cluster.port is required: the "
		    "relay channel's UDP port");
	c->port = port;
	if (c->port == cfg->udp_port || (cfg->dtls.enabled &&
	    c->port == cfg->dtls.port))
		return config_error(ctx, config_setting_get_member(g, "port"),
		    "cluster.port must differ from udp_port%s (%u)",
		    cfg->dtls.enabled ? " and dtls.port" : "", c->port);
	if (c->key_file[0] == '\0')
		return config_error(ctx, g, "cluster.key_file is required: "
		    "the members' shared secret");
	return 0;
}

/* Check the whole tree into cfg. */
static int
config_parse_root(struct config_ctx *ctx, struct config *cfg,
    const config_setting_t *root)
{
	uint32_t	 port = CONFIG_DEFAULT_PORT;

	if (config_check_keys(ctx, root, "the top level",
	    config_root_keys) == -1)
		return -1;
	if (config_get_uint(ctx, root, "udp_port", "udp_port", 1, 65535,
	    &port) == -1)
		return -1;
	cfg->udp_port = port;
	if (config_parse_tun(ctx, cfg, root) == -1 ||
	    config_parse_dtls(ctx, cfg, root) == -1 ||
	    config_parse_peers(ctx, cfg, root) == -1 ||
	    config_parse_limits(ctx, cfg, root) == -1 ||
	    config_parse_control_log(ctx, cfg, root) == -1 ||
	    config_parse_metrics(ctx, cfg, root) == -1 ||
	    config_parse_user(ctx, cfg, root) == -1 ||
	    config_parse_state(ctx, cfg, root) == -1 ||
	    config_parse_monitor(ctx, cfg, root) == -1 ||
	    config_parse_fastpath(ctx, cfg, root) == -1 ||
	    config_parse_cluster(ctx, cfg, root) == -1)
		return -1;
	return 0;
}

/* Skip a string, a comment or whitespace at p; returns where it ends. */
static const char *
config_scan_skip(const char *p, unsigned int *line)
{
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '\n')
				(*line)++;
		}
		return *p == '"' ? p + 1 : p;
	}
	if (*p == '#' || (p[0] == '/' && p[1] == '/'))
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
			if (*p == '\n')
				(*line)++;
		return *p == '\0' ? p : p + 2;
	}
	if (*p == '\n')
		(*line)++;
	return p + 1;
}

/* Report an oversized integer literal, the text from start to end. */
static int
config_scan_error(struct config_ctx *ctx, unsigned int line,
    const char *start, const char *end)
{
	int	 len = (int)(end - start);

	if (asprintf(ctx->cause, "%s:%u: integer %.*s does not fit in 32 "
	    "bits: write it with an L suffix (%.*sL)", ctx->path, line, len,
	    start, len, start) == -1)
		*ctx->cause = NULL;
	return -1;
}

/*
 * Find an integer literal without the L suffix that does not fit in 32 bits:
 * libconfig 1.5 silently truncates it (udp_port = 4294977195 reads as 9899),
 * later versions widen it; asking for the L makes both read the same value.
 */
static int
config_scan_integers(struct config_ctx *ctx, const char *text)
{
	const char		*p = text, *start;
	char			*end;
	unsigned long long	 v;
	unsigned int		 line = 1;
	int			 hex, big;

	while (*p != '\0') {
		if (isalpha((unsigned char)*p) || *p == '*' || *p == '@') {
			while (isalnum((unsigned char)*p) ||
			    (*p != '\0' && strchr("_*-@", *p) != NULL))
				p++;
			continue;
		}
		if (!isdigit((unsigned char)*p)) {
			p = config_scan_skip(p, &line);
			continue;
		}
		start = p;
		hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
		errno = 0;
		v = strtoull(p, &end, hex ? 16 : 10);
		p = end;
		big = errno == ERANGE || v > (hex ? UINT32_MAX : INT32_MAX);
		if (!hex && (*p == '.' || *p == 'e' || *p == 'E')) {
			p += strspn(p, "0123456789.eE+-");
			continue;
		}
		if (*p == 'L') {
			p++;
			continue;
		}
		if (big)
			return config_scan_error(ctx, line, start, p);
	}
	return 0;
}

/* Read the whole file: small, and scanned before libconfig parses it. */
static char *
config_read_text(struct config_ctx *ctx)
{
	struct stat	 st;
	FILE		*fp;
	char		*text = NULL;
	size_t		 size = 0;
	ssize_t		 n;

	if ((fp = fopen(ctx->path, "r")) == NULL)
		goto fail;
	if (fstat(fileno(fp), &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	n = getdelim(&text, &size, '\0', fp);
	if (n == -1 && ferror(fp))
		goto fail;
	if (n == -1 || text == NULL) {
		free(text);
		text = strdup("");
	} else if (getc(fp) != EOF || (n > 0 && text[n - 1] == '\0')) {
		fclose(fp);
		free(text);
		if (asprintf(ctx->cause, "%s: contains a NUL byte",
		    ctx->path) == -1)
			*ctx->cause = NULL;
		return NULL;
	}
	fclose(fp);
	return text;

fail:
	if (asprintf(ctx->cause, "%s: cannot open: %s", ctx->path,
	    strerror(errno)) == -1)
		*ctx->cause = NULL;
	if (fp != NULL)
		fclose(fp);
	free(text);
	return NULL;
}

/* Parse text with libconfig into cfg. */
static int
config_parse_text(struct config_ctx *ctx, struct config *cfg,
    const char *text)
{
	config_t	 lc;
	char		*dir, *slash;
	const char	*file;
	int		 rc;

	config_init(&lc);
	config_set_auto_convert(&lc, CONFIG_FALSE);
	/* An @include is relative to the file, not the working directory. */
	if ((dir = strdup(ctx->path)) != NULL &&
	    (slash = strrchr(dir, '/')) != NULL) {
		slash[1] = '\0';
		config_set_include_dir(&lc, dir);
	}
	if (config_read_string(&lc, text) == CONFIG_FALSE) {
		if ((file = config_error_file(&lc)) == NULL)
			file = ctx->path;
		if (asprintf(ctx->cause, "%s:%d: %s", file,
		    config_error_line(&lc), config_error_text(&lc)) == -1)
			*ctx->cause = NULL;
		rc = -1;
	} else
		rc = config_parse_root(ctx, cfg, config_root_setting(&lc));
	config_destroy(&lc);
	free(dir);
	return rc;
}

/*
 * Parse path.  On error returns NULL and sets *cause to an allocated
 * "file:line: message".
 */
struct config *
config_load(const char *path, char **cause)
{
	struct config_ctx	 ctx = { path, cause };
	struct config		*cfg;
	char			*text;

	*cause = NULL;
	if ((text = config_read_text(&ctx)) == NULL)
		return NULL;
	cfg = config_load_text(path, text, cause);
	free(text);
	return cfg;
}

/* Parse text read from path; see config.h. */
struct config *
config_load_text(const char *path, const char *text, char **cause)
{
	struct config_ctx	 ctx = { path, cause };
	struct config		*cfg;

	*cause = NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		*cause = strdup("out of memory");
		return NULL;
	}
	config_defaults(cfg);
	if ((cfg->path = strdup(path)) == NULL ||
	    config_scan_integers(&ctx, text) == -1 ||
	    config_parse_text(&ctx, cfg, text) == -1) {
		if (*cause == NULL)
			*cause = strdup("out of memory");
		config_free(cfg);
		cfg = NULL;
	}
	return cfg;
}

/* Free a configuration from config_load. */
void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->npeers; i++) {
		free(cfg->peers[i].prefixes);
		free(cfg->peers[i].dtls);
	}
	free(cfg->peers);
	free(cfg->cluster.members);
	free(cfg->path);
	free(cfg);
}

/* Print s as a libconfig string literal. */
static void
config_print_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if (isprint((unsigned char)*s))
			fputc(*s, fp);
		else
			fprintf(fp, "\\x%02x", (unsigned char)*s);
	}
	fputc('"', fp);
}

/* Print a peer's dtls group. */
static void
config_print_peer_dtls(FILE *fp, const struct peer_dtls *d)
{
	char	 b64[64];

	fprintf(fp, "\t\tdtls = {\n");
	if (d->psk_identity[0] != '\0') {
		fprintf(fp, "\t\t\tpsk_identity = ");
		config_print_string(fp, d->psk_identity);
		fprintf(fp, ";\n\t\t\tpsk_file = ");
		config_print_string(fp, d->psk_file);
		fprintf(fp, ";\n");
	}
	if (d->ca[0] != '\0') {
		fprintf(fp, "\t\t\tca = ");
		config_print_string(fp, d->ca);
		fprintf(fp, ";\n");
	}
	if (d->has_pin) {
		base64_encode(d->pin, sizeof(d->pin), b64, sizeof(b64));
		fprintf(fp, "\t\t\tpin = \"sha256:%s\";\n", b64);
	}
	fprintf(fp, "\t\t};\n");
}

/* Print "key = value;" at indent, unless value is "" (no file). */
static void
config_print_file(FILE *fp, const char *indent, const char *key,
    const char *value)
{
	if (value[0] == '\0')
		return;
	fprintf(fp, "%s%s = ", indent, key);
	config_print_string(fp, value);
	fprintf(fp, ";\n");
}

/* Print the top-level dtls group. */
static void
config_print_dtls(FILE *fp, const struct dtls_config *d)
{
	fprintf(fp, "dtls = {\n\tport = %u;\n", d->port);
	/* A file key given must name a file: absent ones stay absent. */
	config_print_file(fp, "\t", "certificate", d->certificate);
	config_print_file(fp, "\t", "key", d->key);
	config_print_file(fp, "\t", "ca", d->ca);
	fprintf(fp, "\trekey_seconds = %u;\n\thandshake_timeout = %u;\n"
	    "\tmax_handshakes = %u;\n};\n", d->rekey_seconds,
	    d->handshake_timeout, d->max_handshakes);
}

/* Print the cluster group. */
static void
config_print_cluster(FILE *fp, const struct cluster_config *c)
{
	char	 buf[ADDR_STRLEN];
	size_t	 i;

	fprintf(fp, "cluster = {\n");
	if (c->dns[0] != '\0') {
		fprintf(fp, "\tdns = ");
		config_print_string(fp, c->dns);
		fprintf(fp, ";\n\tresolve_seconds = %u;\n", c->resolve_seconds);
	} else {
		fprintf(fp, "\tmembers = [");
		for (i = 0; i < c->nmembers; i++)
			fprintf(fp, "%s \"%s\"", i > 0 ? "," : "",
			    addr_ntop(&c->members[i], buf, sizeof(buf)));
		fprintf(fp, " ];\n");
	}
	fprintf(fp, "\tport = %u;\n", c->port);
	config_print_file(fp, "\t", "key_file", c->key_file);
	fprintf(fp, "};\n");
}

/* Print one peer group. */
static void
config_print_peer(FILE *fp, const struct peer_config *peer)
{
	char	 buf[ADDR_STRLEN];
	size_t	 i;

	fprintf(fp, "\t{\n\t\tname = ");
	config_print_string(fp, peer->name);
	fprintf(fp, ";\n\t\tprefixes = [");
	for (i = 0; i < peer->nprefixes; i++) {
		prefix_ntop(&peer->prefixes[i], buf, sizeof(buf));
		fprintf(fp, "%s \"%s\"", i > 0 ? "," : "", buf);
	}
	fprintf(fp, " ];\n");
	fprintf(fp, "\t\tremote_port = %u;\n", peer->remote_port);
	fprintf(fp, "\t\tstrip_addresses = %s;\n",
	    peer->strip_addresses ? "true" : "false");
	if (peer->dtls != NULL)
		config_print_peer_dtls(fp, peer->dtls);
	fprintf(fp, "\t}");
}

/* Print the configuration back in the file's syntax, every key included. */
void
config_print(FILE *fp, const struct config *cfg)
{
	size_t	 i;

	fprintf(fp, "udp_port = %u;\n", cfg->udp_port);
	fprintf(fp, "fastpath = \"%s\";\n",
	    config_fastpath_name(cfg->fastpath));
	fprintf(fp, "tun = {\n\tname = ");
	config_print_string(fp, cfg->tun_name);
	fprintf(fp, ";\n\tmtu = %u;\n", cfg->tun_mtu);
	/* libconfig reads an int above INT32_MAX only with the L suffix. */
	fprintf(fp, "\ttable = %u%s;\n", cfg->tun_table,
	    cfg->tun_table > INT32_MAX ? "L" : "");
	fprintf(fp, "\trule_priority = %u;\n};\n", cfg->rule_priority);
	fprintf(fp, "peers = (\n");
	for (i = 0; i < cfg->npeers; i++) {
		config_print_peer(fp, &cfg->peers[i]);
		fprintf(fp, "%s\n", i + 1 < cfg->npeers ? "," : "");
	}
	fprintf(fp, ");\n");
	fprintf(fp, "limits = {\n\tassociations = %u;\n\tembryonic = %u;\n"
	    "\tidle_timeout = %u;\n\tembryonic_timeout = %u;\n};\n",
	    cfg->max_assocs, cfg->max_embryonic, cfg->idle_timeout,
	    cfg->embryonic_timeout);
	fprintf(fp, "control = {\n\tsocket = ");
	config_print_string(fp, cfg->control_socket);
	fprintf(fp, ";\n};\nlog = {\n\tlevel = \"%s\";\n};\n",
	    log_level_name(cfg->log_level));
	fprintf(fp, "metrics = {\n\tlisten = ");
	config_print_string(fp, cfg->metrics_listen);
	fprintf(fp, ";\n};\nuser = ");
	config_print_string(fp, cfg->user);
	fprintf(fp, ";\nstate = {\n\tfile = ");
	config_print_string(fp, cfg->state_file);
	fprintf(fp, ";\n\tinterval = %u;\n};\n", cfg->state_interval);
	fprintf(fp, "monitor = {\n\tpath_silent = %u;\n\tdrop_summary = "
	    "%u;\n};\n", cfg->path_silent, cfg->drop_summary);
	if (cfg->dtls.enabled)
		config_print_dtls(fp, &cfg->dtls);
	if (cfg->cluster.enabled)
		config_print_cluster(fp, &cfg->cluster);
}

/* Append name to the comma separated list in buf. */
static void
config_list_add(char *buf, size_t len, size_t *n, const char *name)
{
	size_t	used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s", *n > 0 ? ", " : "",
		    name);
	(*n)++;
}

/* The settings only a restart applies; see config.h. */
size_t
config_restart_needed(const struct config *a, const struct config *b,
    char *buf, size_t len)
{
	size_t	n = 0;

#define CONFIG_DIFF(field, name)					\
	if (a->field != b->field)					\
		config_list_add(buf, len, &n, name)
#define CONFIG_DIFF_STR(field, name)					\
	if (strcmp(a->field, b->field) != 0)				\
		config_list_add(buf, len, &n, name)
	if (len > 0)
		buf[0] = '\0';
	CONFIG_DIFF(udp_port, "udp_port");
	CONFIG_DIFF_STR(tun_name, "tun.name");
	CONFIG_DIFF(tun_mtu, "tun.mtu");
	CONFIG_DIFF(tun_table, "tun.table");
	CONFIG_DIFF(rule_priority, "tun.rule_priority");
	CONFIG_DIFF(max_assocs, "limits.associations");
	CONFIG_DIFF(max_embryonic, "limits.embryonic");
	CONFIG_DIFF_STR(control_socket, "control.socket");
	CONFIG_DIFF_STR(metrics_listen, "metrics.listen");
	CONFIG_DIFF_STR(user, "user");
	CONFIG_DIFF_STR(state_file, "state.file");
	CONFIG_DIFF(fastpath, "fastpath");
	CONFIG_DIFF(dtls.enabled, "dtls");
	if (a->dtls.enabled && b->dtls.enabled)
		CONFIG_DIFF(dtls.port, "dtls.port");
	/* The relay channel's socket, key and members are set up once. */
	if (a->cluster.enabled != b->cluster.enabled ||
	    a->cluster.port != b->cluster.port ||
	    a->cluster.resolve_seconds != b->cluster.resolve_seconds ||
	    a->cluster.nmembers != b->cluster.nmembers ||
	    strcmp(a->cluster.dns, b->cluster.dns) != 0 ||
	    strcmp(a->cluster.key_file, b->cluster.key_file) != 0 ||
	    (a->cluster.nmembers > 0 && memcmp(a->cluster.members,
	    b->cluster.members, a->cluster.nmembers *
	    sizeof(*a->cluster.members)) != 0))
		config_list_add(buf, len, &n, "cluster");
#undef CONFIG_DIFF
#undef CONFIG_DIFF_STR
	return n;
}

/* The peer whose prefixes hold addr (longest prefix wins); -1 if none. */
int
config_match_peer(const struct config *cfg, const struct ipaddr *addr)
{
	const struct prefix	*p;
	size_t			 i, j;
	int			 best = -1, bestlen = -1;

	for (i = 0; i < cfg->npeers; i++) {
		for (j = 0; j < cfg->peers[i].nprefixes; j++) {
			p = &cfg->peers[i].prefixes[j];
			if (p->len > bestlen && prefix_contains(p, addr)) {
				best = (int)i;
				bestlen = p->len;
			}
		}
	}
	return best;
}

/* An association's peer, matched by its addresses. */
int
config_match_assoc(const struct config *cfg, const struct assoc *a)
{
	int	n, p;

	for (n = 0; n < a->ntransports; n++)
		if ((p = config_match_peer(cfg, &a->t[n].addr)) != -1)
			return p;
	return -1;
}

/* Set *cause to "file:line: cluster.key_file: message"; returns -1. */
static int __attribute__((format(printf, 3, 4)))
config_key_error(const struct config *cfg, char **cause, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || asprintf(cause, "%s:%u: cluster.key_file: %s",
	    cfg->path != NULL ? cfg->path : "-",
	    cfg->cluster.key_file_line != 0 ? cfg->cluster.key_file_line : 1,
	    msg) == -1)
		*cause = NULL;
	free(msg);
	return -1;
}

/* Read the cluster's shared secret; see config.h. */
int
config_cluster_key(const struct config *cfg, uint8_t *buf, size_t size,
    size_t *len, char **cause)
{
	const char	*path = cfg->cluster.key_file;
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return config_key_error(cfg, cause, "%s: cannot read: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return config_key_error(cfg, cause, "%s: not a regular file",
		    path);
	}
	/* A key file anyone can read is a key anyone has. */
	if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
		close(fd);
		return config_key_error(cfg, cause, "%s: readable by group or "
		    "others (mode %03o): chmod 600 it", path,
		    (unsigned int)st.st_mode & 0777);
	}
	n = read(fd, buf, size);
	close(fd);
	if (n < 0)
		return config_key_error(cfg, cause, "%s: cannot read: %s",
		    path, strerror(errno));
	if ((size_t)n == size)
		return config_key_error(cfg, cause, "%s: longer than %zu "
		    "bytes", path, size - 1);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if ((size_t)n < CONFIG_CLUSTER_KEY_MIN) {
		explicit_bzero(buf, size);
		return config_key_error(cfg, cause, "%s: %zd bytes of secret, "
		    "at least %d are needed (head -c 32 /dev/urandom | "
		    "base64 > FILE)", path, n, CONFIG_CLUSTER_KEY_MIN);
	}
	*len = (size_t)n;
	return 0;
}
