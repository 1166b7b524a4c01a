/*
 * tun: creates the TUN device that carries the applications' native SCTP
 * packets (IFF_TUN | IFF_NO_PI, one queue, non-blocking) and prepares it
 * for IPv6 without a link-local address.  Bringing it up and setting its
 * MTU is netlink's job.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if_tun.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tun.h"

static char	tun_errbuf[160];

/* Formats "what name: strerror(errno)" into the module buffer. */
static const char *
tun_error(const char *what, const char *name)
{
	snprintf(tun_errbuf, sizeof(tun_errbuf), "%s %s: %s", what, name,
	    strerror(errno));
	return (tun_errbuf);
}

/*
 * Writes a value to a per-device IPv6 sysctl unless it already has it:
 * container runtimes mount /proc/sys read-only, and a write of the value
 * already there must not stop us.  ENOENT means no IPv6.
 */
static int
tun_ipv6_sysctl(const char *ifname, const char *key, const char *value)
{
	char	path[128], cur[16];
	size_t	len = strlen(value);
	ssize_t	n;
	int	fd, rv = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s",
	    ifname, key);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -1);
	n = read(fd, cur, sizeof(cur));
	close(fd);
	if (n == (ssize_t)len && memcmp(cur, value, len) == 0)
		return (0);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (write(fd, value, len) != (ssize_t)len)
		rv = -1;
	close(fd);
	return (rv);
}

/*
 * IPv6 must be on for the tunnel's IPv6 routes.  A TUN gets no link-local
 * address and needs none (routes name the device, no gateway); mode
 * "none" says so and keeps the kernel from generating one later.
 */
static int
tun_ipv6_setup(const char *ifname, const char **cause)
{
	if (tun_ipv6_sysctl(ifname, "disable_ipv6", "0\n") == -1) {
		*cause = tun_error("disable_ipv6=0", ifname);
		return (-1);
	}
	/* Older kernels lack addr_gen_mode; harmless either way. */
	(void)tun_ipv6_sysctl(ifname, "addr_gen_mode", "1\n");
	return (0);
}

/* Create (or attach to) the named TUN. */
int
tun_open(struct tun *tun, const char *name, const char **cause)
{
	struct ifreq	ifr;

	memset(tun, 0, sizeof(*tun));
	tun->fd = -1;
	if (name != NULL && strlen(name) >= IFNAMSIZ) {
		*cause = "tun: interface name too long";
		return (-1);
	}
	if ((tun->fd = open("/dev/net/tun",
	    O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		*cause = tun_error("open", "/dev/net/tun");
		return (-1);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (name != NULL)
		memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(tun->fd, TUNSETIFF, &ifr) == -1) {
		*cause = tun_error("TUNSETIFF", name ? name : "");
		goto fail;
	}
	memcpy(tun->name, ifr.ifr_name, IFNAMSIZ);
	tun->name[IFNAMSIZ - 1] = '\0';
	if ((tun->ifindex = (int)if_nametoindex(tun->name)) == 0) {
		*cause = tun_error("if_nametoindex", tun->name);
		goto fail;
	}
	if (tun_ipv6_setup(tun->name, cause) == -1)
		goto fail;
	return (0);
fail:
	close(tun->fd);
	tun->fd = -1;
	return (-1);
}

/* Close the TUN; a non-persistent device disappears with its routes. */
void
tun_close(struct tun *tun)
{
	if (tun->fd != -1)
		close(tun->fd);
	tun->fd = -1;
}

