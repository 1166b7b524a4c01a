/*
 * config: the sctptun.conf schema (libconfig), parsed into a struct with no
 * side effects, so that -n, reload and the tests share one parser.
 */
#ifndef SCTPTUN_CONFIG_H
#define SCTPTUN_CONFIG_H

#include <net/if.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#define CONFIG_NAME_MAX		64
#define CONFIG_PATH_MAX		108	/* sun_path */
#define CONFIG_LISTEN_MAX	64	/* "[IPv6]:port" with room to spare */
#define CONFIG_FILE_MAX		256
#define CONFIG_USER_MAX		33	/* useradd's 32, and the NUL */
#define CONFIG_PSK_ID_MAX	129	/* RFC 4279: up to 128 bytes, NUL */
#define CONFIG_PIN_LEN		32	/* a SHA-256 digest */

/*
 * peers[].dtls: the peer is another sctptund reached over DTLS on its DTLS
 * port, never in cleartext.  Either a pre-shared key (psk_identity and
 * psk_file), or certificates: the peer's chain verified against ca (or
 * the global dtls.ca when ca is ""), and/or its public key pinned.  The
 * files are read by the dtls module (dtls_conf_check), not by the parser;
 * the lines are kept for its messages.
 */
struct peer_dtls {
	char		 psk_identity[CONFIG_PSK_ID_MAX];	/* "": certs */
	char		 psk_file[CONFIG_FILE_MAX];
	char		 ca[CONFIG_FILE_MAX];	/* "": the global dtls.ca */
	int		 has_pin;
	uint8_t		 pin[CONFIG_PIN_LEN];	/* SHA-256 of the peer's
						   SubjectPublicKeyInfo */
	unsigned int	 line;			/* of the dtls group */
	unsigned int	 psk_file_line;
	unsigned int	 ca_line;
	unsigned int	 pin_line;
};

struct peer_config {
	char		 name[CONFIG_NAME_MAX];
	struct prefix	*prefixes;
	size_t		 nprefixes;
	uint16_t	 remote_port;		/* default 9899 (with dtls: the
						   global dtls.port) */
	int		 strip_addresses;	/* default 0 */
	struct peer_dtls *dtls;			/* NULL: cleartext RFC 6951 */
};

/*
 * The top-level dtls group: what every encrypted peer shares.  enabled is
 * 0 when the group is absent (then no peer may have a dtls group).
 */
struct dtls_config {
	int		 enabled;
	uint16_t	 port;			/* our DTLS port, != udp_port */
	char		 certificate[CONFIG_FILE_MAX];	/* PEM; "" none */
	char		 key[CONFIG_FILE_MAX];		/* PEM; "" none */
	char		 ca[CONFIG_FILE_MAX];		/* PEM bundle; "" none */
	uint32_t	 rekey_seconds;		/* default 3600 */
	uint32_t	 handshake_timeout;	/* seconds, default 10 */
	uint32_t	 max_handshakes;	/* half-open cap, default 64 */
	unsigned int	 line;			/* of the group */
	unsigned int	 certificate_line;
	unsigned int	 key_line;
	unsigned int	 ca_line;
};

/*
 * cluster: replicas behind a UDP load balancer relay each other the
 * datagrams of associations they do not hold (CLUSTER.md, cluster.h).
 * Members are a static list of addresses, or a DNS name resolved every
 * resolve_seconds.  The key file is read by config_cluster_key(), not by
 * the parser; the lines are kept for its messages.
 */
#define CLUSTER_MAX_MEMBERS	64
#define CONFIG_DNS_MAX		254	/* a name of 253, the NUL */

struct cluster_config {
	int		 enabled;
	struct ipaddr	*members;		/* static list, or NULL */
	size_t		 nmembers;
	char		 dns[CONFIG_DNS_MAX];	/* "": the static list */
	uint32_t	 resolve_seconds;	/* default 10 */
	uint16_t	 port;			/* the relay channel's port */
	char		 key_file[CONFIG_FILE_MAX];
	unsigned int	 line;			/* of the group */
	unsigned int	 key_file_line;
};

/* fastpath: the eBPF fast path (FASTPATH.md). */
enum fastpath_mode {
	FASTPATH_AUTO = 0,	/* when the kernel and privileges allow it */
	FASTPATH_ON,		/* or refuse to start */
	FASTPATH_OFF,
};

struct config {
	char		*path;			/* the file it came from */
	uint16_t	 udp_port;		/* default 9899 */
	char		 tun_name[IFNAMSIZ];	/* default "sctptun0" */
	uint32_t	 tun_mtu;		/* 0 = egress MTU - 8 */
	uint32_t	 tun_table;		/* default 9899 */
	uint32_t	 rule_priority;		/* default 9899 */
	struct peer_config *peers;
	size_t		 npeers;
	uint32_t	 max_assocs;		/* limits.associations, 65536 */
	uint32_t	 max_embryonic;		/* limits.embryonic, 4096 */
	uint32_t	 idle_timeout;		/* limits.idle_timeout, 600 s */
	uint32_t	 embryonic_timeout;	/* limits.embryonic_timeout, 60 s */
	char		 control_socket[CONFIG_PATH_MAX];
	int		 log_level;		/* LOG_* from log.h */
	/* metrics.listen, "ADDR:PORT" or "[IPv6]:PORT"; "" = no metrics */
	char		 metrics_listen[CONFIG_LISTEN_MAX];
	/* user: who sctptund runs as once set up; "" = stays root */
	char		 user[CONFIG_USER_MAX];
	/* state.file: the table across restarts; "" = none */
	char		 state_file[CONFIG_FILE_MAX];
	uint32_t	 state_interval;	/* state.interval, 5 s */
	uint32_t	 path_silent;		/* monitor.path_silent, 45 s */
	uint32_t	 drop_summary;		/* monitor.drop_summary, 5 s */
	struct dtls_config dtls;		/* dtls group */
	int		 fastpath;		/* enum fastpath_mode, auto */
	struct cluster_config cluster;		/* cluster group */
};

/* "auto", "on" or "off". */
const char *config_fastpath_name(int);

/* Fill with the defaults of the schema. */
void	config_defaults(struct config *);
/*
 * Parse path.  On error returns NULL and sets *cause to an allocated
 * "file:line: message" (free it); unknown keys, wrong types, out-of-range
 * values, bad prefixes and duplicates are all errors.
 */
struct config *config_load(const char *path, char **cause);
/*
 * The same for text already read from path (NUL-terminated, so it holds
 * no NUL byte); path names the file in causes and anchors @include.
 */
struct config *config_load_text(const char *path, const char *text,
	    char **cause);
void	config_free(struct config *);
/* Print the configuration back in the file's syntax (sctptund -n -v). */
void	config_print(FILE *, const struct config *);
/*
 * Split "ADDR:PORT" or "[IPv6]:PORT" into an address and a port (1-65535).
 * 0 on success; -1 with *why set to a static message.
 */
int	config_parse_listen(const char *, struct ipaddr *, uint16_t *,
	    const char **why);
/*
 * The settings that differ between a and b and that only a restart can
 * apply (sockets, TUN, table sizes, user...): their names, comma
 * separated, in buf; 0 when there are none.
 */
size_t	config_restart_needed(const struct config *a, const struct config *b,
	    char *buf, size_t len);
/*
 * Read cluster.key_file: a regular file, not readable by group or others,
 * whose content (trailing newlines and spaces taken off) is at least
 * CONFIG_CLUSTER_KEY_MIN bytes.  The secret goes to buf (size bytes), its
 * length to *len.  0, or -1 with *cause an allocated "file:line: ..."
 * naming the key_file setting.  Reads a file: not part of the parser, for
 * -n and the cluster module.
 */
#define CONFIG_CLUSTER_KEY_MIN	32
#define CONFIG_CLUSTER_KEY_MAX	1024
int	config_cluster_key(const struct config *, uint8_t *buf, size_t size,
	    size_t *len, char **cause);
/* The peer whose prefixes hold addr (longest prefix wins); -1 if none. */
int	config_match_peer(const struct config *, const struct ipaddr *);
/*
 * The peer of an association: the one that holds its first transport
 * address any peer holds, as the data path would match its packets; -1 if
 * none (the peer was removed).  For a configuration the association was
 * not tracked under (reload, a restored state file).
 */
struct assoc;
int	config_match_assoc(const struct config *, const struct assoc *);

#endif
