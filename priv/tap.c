/*
 * Copyright (c) 2026 The softlan authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "compat.h"
#include "ether.h"
#include "priv.h"

#define TAP_MTU_MIN	576
#define TAP_MTU_MAX	1500

static int	 tap_name_check(const char *, char *, size_t);
static int	 mtu_check(const char *, unsigned int, char *, size_t);
static struct nl_sock *rtnl_open(const char *, char *, size_t);
static int	 tap_get(struct nl_sock *, const char *, struct rtnl_link **,
		    char *, size_t);
static int	 tap_change(const char *, const struct ether_mac *,
		    unsigned int, int, char *, size_t);

/* TUNSETIFF would expand a '%d' into a number: the name must be exact. */
static int
tap_name_check(const char *ifname, char *err, size_t errlen)
{
	if (priv_ifname_check(ifname, err, errlen) == -1)
		return (-1);
	if (strchr(ifname, '%') != NULL)
		return (priv_seterr(err, errlen, "interface %s: name contains '%%'",
		    ifname));
	return (0);
}

static int
mtu_check(const char *ifname, unsigned int mtu, char *err, size_t errlen)
{
	if (mtu < TAP_MTU_MIN || mtu > TAP_MTU_MAX)
		return (priv_seterr(err, errlen, "interface %s: MTU %u out of "
		    "range %u..%u", ifname, mtu, TAP_MTU_MIN, TAP_MTU_MAX));
	return (0);
}

static struct nl_sock *
rtnl_open(const char *ifname, char *err, size_t errlen)
{
	struct nl_sock	*sk;
	int		 rc;

	if ((sk = nl_socket_alloc()) == NULL) {
		priv_seterr(err, errlen, "interface %s: netlink socket: out of "
		    "memory", ifname);
		return (NULL);
	}
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		priv_seterr(err, errlen, "interface %s: netlink connect: %s",
		    ifname, nl_geterror(rc));
		nl_socket_free(sk);
		return (NULL);
	}
	return (sk);
}

/* The link named ifname, which must be a TAP (kind "tun", Ethernet). */
static int
tap_get(struct nl_sock *sk, const char *ifname, struct rtnl_link **linkp,
    char *err, size_t errlen)
{
	struct rtnl_link	*link = NULL;
	const char		*kind;
	int			 rc;

	*linkp = NULL;
	if ((rc = rtnl_link_get_kernel(sk, 0, ifname, &link)) < 0) {
		if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
			return (priv_seterr(err, errlen, "interface %s: no such "
			    "interface", ifname));
		return (priv_seterr(err, errlen, "interface %s: %s", ifname,
		    nl_geterror(rc)));
	}
	kind = rtnl_link_get_type(link);
	if (kind == NULL || strcmp(kind, "tun") != 0 ||
	    rtnl_link_get_arptype(link) != ARPHRD_ETHER) {
		rtnl_link_put(link);
		return (priv_seterr(err, errlen, "interface %s: not a TAP device",
		    ifname));
	}
	*linkp = link;
	return (0);
}

/* Set what is given (mac non-NULL, mtu non-zero, up) in one request. */
static int
tap_change(const char *ifname, const struct ether_mac *mac, unsigned int mtu,
    int up, char *err, size_t errlen)
{
	struct nl_sock		*sk;
	struct rtnl_link	*link = NULL, *change = NULL;
	struct nl_addr		*lladdr = NULL;
	int			 rc, ret = -1;

	if ((sk = rtnl_open(ifname, err, errlen)) == NULL)
		return (-1);
	if (tap_get(sk, ifname, &link, err, errlen) == -1)
		goto done;
	if ((change = rtnl_link_alloc()) == NULL) {
		priv_seterr(err, errlen, "interface %s: out of memory", ifname);
		goto done;
	}
	if (mac != NULL) {
		lladdr = nl_addr_build(AF_LLC, mac->octet, ETHER_ADDR_LEN);
		if (lladdr == NULL) {
			priv_seterr(err, errlen, "interface %s: out of memory",
			    ifname);
			goto done;
		}
		rtnl_link_set_addr(change, lladdr);
	}
	if (mtu != 0)
		rtnl_link_set_mtu(change, mtu);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	if ((rc = rtnl_link_change(sk, link, change, 0)) < 0) {
		priv_seterr(err, errlen, "interface %s: cannot set%s%s%s: %s",
		    ifname, mac != NULL ? " MAC" : "", mtu != 0 ? " MTU" : "",
		    up ? " up" : "", nl_geterror(rc));
		goto done;
	}
	ret = 0;
 done:
	nl_addr_put(lladdr);
	rtnl_link_put(change);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return (ret);
}

/*
 * The TAP is not persistent: it disappears when the last fd is closed, so
 * a parent that dies takes it away.
 */
int
priv_tap_open(const char *ifname, const struct ether_mac *mac,
    unsigned int mtu, char *err, size_t errlen)
{
	struct ifreq	 ifr;
	int		 fd, saved;

	if (tap_name_check(ifname, err, errlen) == -1)
		return (-1);
	if (mac == NULL)
		return (priv_seterr(err, errlen, "interface %s: no MAC", ifname));
	if (!ether_mac_valid_unicast(mac))
		return (priv_seterr(err, errlen, "interface %s: MAC %s is not a "
		    "valid unicast address", ifname, ether_mac_str(mac)));
	if (mtu_check(ifname, mtu, err, errlen) == -1)
		return (-1);

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1)
		return (priv_seterr(err, errlen, "interface %s: /dev/net/tun: %s",
		    ifname, strerror(errno)));
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		priv_seterr(err, errlen, "interface %s: TUNSETIFF: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	if (strcmp(ifr.ifr_name, ifname) != 0) {
		priv_seterr(err, errlen, "interface %s: kernel named it %.*s",
		    ifname, IFNAMSIZ, ifr.ifr_name);
		goto fail;
	}
	if (tap_change(ifname, mac, mtu, 1, err, errlen) == -1)
		goto fail;
	return (fd);

 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

int
priv_tap_set_mtu(const char *ifname, unsigned int mtu, char *err,
    size_t errlen)
{
	if (tap_name_check(ifname, err, errlen) == -1)
		return (-1);
	if (mtu_check(ifname, mtu, err, errlen) == -1)
		return (-1);
	return (tap_change(ifname, NULL, mtu, 0, err, errlen));
}

/*
 * Add (or refresh) one address.  An IPv4 address gets its subnet's
 * broadcast address: games find each other by directed broadcast.
 */
int
priv_tap_set_addr(const char *ifname, const struct sockaddr *sa,
    unsigned int plen, char *err, size_t errlen)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct nl_sock			*sk = NULL;
	struct rtnl_link		*link = NULL;
	struct rtnl_addr		*ra = NULL;
	struct nl_addr			*local = NULL, *bcast = NULL;
	struct in_addr			 bc;
	char				 str[INET6_ADDRSTRLEN];
	uint32_t			 a, mask;
	int				 rc, ret = -1;

	if (tap_name_check(ifname, err, errlen) == -1)
		return (-1);
	if (sa == NULL)
		return (priv_seterr(err, errlen, "interface %s: no address",
		    ifname));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		(void)inet_ntop(AF_INET, &sin->sin_addr, str, sizeof(str));
		a = ntohl(sin->sin_addr.s_addr);
		if (plen < 1 || plen > 32)
			return (priv_seterr(err, errlen, "interface %s: address "
			    "%s: prefix length %u out of range 1..32", ifname,
			    str, plen));
		if (a == INADDR_ANY || a == INADDR_BROADCAST ||
		    IN_MULTICAST(a))
			return (priv_seterr(err, errlen, "interface %s: address "
			    "%s: not a unicast address", ifname, str));
		local = nl_addr_build(AF_INET, &sin->sin_addr,
		    sizeof(sin->sin_addr));
		if (plen <= 30) {
			mask = 0xffffffffU << (32 - plen);
			bc.s_addr = htonl(a | ~mask);
			bcast = nl_addr_build(AF_INET, &bc, sizeof(bc));
			if (bcast == NULL)
				goto nomem;
		}
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, str, sizeof(str));
		if (plen < 1 || plen > 128)
			return (priv_seterr(err, errlen, "interface %s: address "
			    "%s: prefix length %u out of range 1..128", ifname,
			    str, plen));
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr))
			return (priv_seterr(err, errlen, "interface %s: address "
			    "%s: not a unicast address", ifname, str));
		local = nl_addr_build(AF_INET6, &sin6->sin6_addr,
		    sizeof(sin6->sin6_addr));
		break;
	default:
		return (priv_seterr(err, errlen, "interface %s: address family %d "
		    "not supported", ifname, sa->sa_family));
	}
	if (local == NULL)
		goto nomem;
	nl_addr_set_prefixlen(local, (int)plen);

	if ((sk = rtnl_open(ifname, err, errlen)) == NULL)
		goto done;
	if (tap_get(sk, ifname, &link, err, errlen) == -1)
		goto done;
	if ((ra = rtnl_addr_alloc()) == NULL)
		goto nomem;
	rtnl_addr_set_ifindex(ra, rtnl_link_get_ifindex(link));
	if ((rc = rtnl_addr_set_local(ra, local)) < 0 ||
	    (bcast != NULL && (rc = rtnl_addr_set_broadcast(ra, bcast)) < 0)) {
		priv_seterr(err, errlen, "interface %s: address %s: %s", ifname,
		    str, nl_geterror(rc));
		goto done;
	}
	rtnl_addr_set_prefixlen(ra, (int)plen);
	if ((rc = rtnl_addr_add(sk, ra, NLM_F_REPLACE)) < 0) {
		priv_seterr(err, errlen, "interface %s: address %s/%u: %s", ifname,
		    str, plen, nl_geterror(rc));
		goto done;
	}
	ret = 0;
	goto done;

 nomem:
	priv_seterr(err, errlen, "interface %s: out of memory", ifname);
 done:
	rtnl_addr_put(ra);
	nl_addr_put(bcast);
	nl_addr_put(local);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return (ret);
}
