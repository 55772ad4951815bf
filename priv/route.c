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

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "priv.h"

/* One host route priv_route_pin added. */
struct pin {
	TAILQ_ENTRY(pin)	 entry;
	int			 family;
	union {
		struct in_addr	 in;
		struct in6_addr	 in6;
	}			 dst;
	struct rtnl_route	*route;		/* exactly what was added */
};

/* The answer to one RTM_GETROUTE. */
struct lookup {
	struct rtnl_route	*route;
	int			 error;		/* errno from the kernel */
};

static TAILQ_HEAD(, pin) pins = TAILQ_HEAD_INITIALIZER(pins);

static int	 dst_check(const struct sockaddr *, int *, const void **,
		    size_t *, char *, size_t, char *, size_t);
static struct pin *pin_find(int, const void *, size_t);
static struct nl_sock *rtnl_open(const char *, char *, size_t);
static int	 lookup_valid(struct nl_msg *, void *);
static int	 lookup_error(struct sockaddr_nl *, struct nlmsgerr *, void *);
static int	 route_lookup(struct nl_sock *, int, const void *, size_t,
		    struct lookup *);

/* A unicast IPv4 or IPv6 destination: its family, bytes and text. */
static int
dst_check(const struct sockaddr *sa, int *family, const void **addr,
    size_t *alen, char *str, size_t strsz, char *err, size_t errlen)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	uint32_t			 a;

	if (sa == NULL)
		return (priv_seterr(err, errlen, "route: no destination"));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		(void)inet_ntop(AF_INET, &sin->sin_addr, str, strsz);
		a = ntohl(sin->sin_addr.s_addr);
		if (a == INADDR_ANY || a == INADDR_BROADCAST ||
		    IN_MULTICAST(a))
			return (priv_seterr(err, errlen, "route %s: not a unicast "
			    "destination", str));
		*addr = &sin->sin_addr;
		*alen = sizeof(sin->sin_addr);
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, str, strsz);
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr))
			return (priv_seterr(err, errlen, "route %s: not a unicast "
			    "destination", str));
		*addr = &sin6->sin6_addr;
		*alen = sizeof(sin6->sin6_addr);
		break;
	default:
		return (priv_seterr(err, errlen, "route: address family %d not "
		    "supported", sa->sa_family));
	}
	*family = sa->sa_family;
	return (0);
}

static struct pin *
pin_find(int family, const void *addr, size_t alen)
{
	struct pin	*p;

	TAILQ_FOREACH(p, &pins, entry)
		if (p->family == family && memcmp(&p->dst, addr, alen) == 0)
			return (p);
	return (NULL);
}

static struct nl_sock *
rtnl_open(const char *str, char *err, size_t errlen)
{
	struct nl_sock	*sk;
	int		 rc;

	if ((sk = nl_socket_alloc()) == NULL) {
		priv_seterr(err, errlen, "route %s: netlink socket: out of memory",
		    str);
		return (NULL);
	}
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		priv_seterr(err, errlen, "route %s: netlink connect: %s", str,
		    nl_geterror(rc));
		nl_socket_free(sk);
		return (NULL);
	}
	return (sk);
}

static int
lookup_valid(struct nl_msg *msg, void *arg)
{
	struct lookup	*lk = arg;

	if (lk->route == NULL &&
	    rtnl_route_parse(nlmsg_hdr(msg), &lk->route) < 0)
		lk->route = NULL;
	return (NL_OK);
}

static int
lookup_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct lookup	*lk = arg;

	(void)nla;
	lk->error = -e->error;
	return (NL_STOP);
}

/*
 * RTM_GETROUTE is built by hand: libnl's rtnl_route_lookup() neither asks
 * for the table the route was found in (RTM_F_LOOKUP_TABLE) nor keeps the
 * kernel's errno (ENETUNREACH and friends).
 */
static int
route_lookup(struct nl_sock *sk, int family, const void *addr, size_t alen,
    struct lookup *lk)
{
	struct nl_msg	*msg;
	struct rtmsg	 rtm;
	int		 rc;

	memset(lk, 0, sizeof(*lk));
	if ((msg = nlmsg_alloc_simple(RTM_GETROUTE, 0)) == NULL)
		return (-NLE_NOMEM);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = family;
	rtm.rtm_dst_len = alen * 8;
	rtm.rtm_flags = RTM_F_LOOKUP_TABLE;
	if ((rc = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO)) < 0 ||
	    (rc = nla_put(msg, RTA_DST, alen, addr)) < 0) {
		nlmsg_free(msg);
		return (rc);
	}
	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return (rc);
	if ((rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM,
	    lookup_valid, lk)) < 0 ||
	    (rc = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, lookup_error,
	    lk)) < 0)
		return (rc);
	rc = nl_recvmsgs_default(sk);
	/* The answer is followed by the ack of the request. */
	if (rc >= 0 && lk->error == 0)
		rc = nl_wait_for_ack(sk);
	return (rc);
}

int
priv_route_pin(const struct sockaddr *sa, char *err, size_t errlen)
{
	struct nl_sock		*sk = NULL;
	struct lookup		 lk;
	struct rtnl_route	*pinned = NULL;
	struct rtnl_nexthop	*nh, *pnh;
	struct nl_addr		*dst = NULL, *gw;
	struct pin		*p = NULL;
	const void		*addr;
	char			 str[INET6_ADDRSTRLEN];
	size_t			 alen;
	int			 family, ifindex, rc, ret = -1;

	memset(&lk, 0, sizeof(lk));
	str[0] = '\0';
	if (dst_check(sa, &family, &addr, &alen, str, sizeof(str), err,
	    errlen) == -1)
		return (-1);
	if ((sk = rtnl_open(str, err, errlen)) == NULL)
		return (-1);

	rc = route_lookup(sk, family, addr, alen, &lk);
	if (lk.error != 0) {
		priv_seterr(err, errlen, "route %s: lookup: %s", str,
		    strerror(lk.error));
		goto done;
	}
	if (rc < 0 || lk.route == NULL) {
		priv_seterr(err, errlen, "route %s: lookup: %s", str,
		    rc < 0 ? nl_geterror(rc) : "no answer");
		goto done;
	}
	switch (rtnl_route_get_type(lk.route)) {
	case RTN_UNICAST:
		break;
	case RTN_LOCAL:
		ret = 1;	/* our own address: nothing to pin */
		goto done;
	default:
		priv_seterr(err, errlen, "route %s: route is of type %u, not "
		    "unicast", str, rtnl_route_get_type(lk.route));
		goto done;
	}
	if (rtnl_route_get_nnexthops(lk.route) != 1 ||
	    (nh = rtnl_route_nexthop_n(lk.route, 0)) == NULL) {
		priv_seterr(err, errlen, "route %s: route has %d nexthops, want 1",
		    str, rtnl_route_get_nnexthops(lk.route));
		goto done;
	}
	ifindex = rtnl_route_nh_get_ifindex(nh);
	if ((gw = rtnl_route_nh_get_gateway(nh)) == NULL) {
		ret = 1;	/* on-link: nothing to pin */
		goto done;
	}
	if (ifindex <= 0) {
		priv_seterr(err, errlen, "route %s: route has no output interface",
		    str);
		goto done;
	}

	if ((dst = nl_addr_build(family, addr, alen)) == NULL ||
	    (pinned = rtnl_route_alloc()) == NULL ||
	    (pnh = rtnl_route_nh_alloc()) == NULL)
		goto nomem;
	nl_addr_set_prefixlen(dst, (int)alen * 8);
	rtnl_route_set_family(pinned, family);
	if ((rc = rtnl_route_set_dst(pinned, dst)) < 0) {
		priv_seterr(err, errlen, "route %s: %s", str, nl_geterror(rc));
		rtnl_route_nh_free(pnh);
		goto done;
	}
	rtnl_route_set_table(pinned, rtnl_route_get_table(lk.route));
	rtnl_route_set_protocol(pinned, RTPROT_STATIC);
	rtnl_route_set_scope(pinned, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(pinned, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(pnh, ifindex);
	rtnl_route_nh_set_gateway(pnh, gw);
	rtnl_route_add_nexthop(pinned, pnh);

	if ((rc = rtnl_route_add(sk, pinned, NLM_F_EXCL)) < 0) {
		if (rc == -NLE_EXIST) {
			ret = 1;	/* a host route is there already */
			goto done;
		}
		priv_seterr(err, errlen, "route %s: add host route: %s", str,
		    nl_geterror(rc));
		goto done;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		/* Without a record it could never be removed: undo. */
		(void)rtnl_route_delete(sk, pinned, 0);
		goto nomem;
	}
	p->family = family;
	memcpy(&p->dst, addr, alen);
	p->route = pinned;
	pinned = NULL;
	TAILQ_INSERT_TAIL(&pins, p, entry);
	ret = 0;
	goto done;

 nomem:
	priv_seterr(err, errlen, "route %s: out of memory", str);
 done:
	rtnl_route_put(pinned);
	rtnl_route_put(lk.route);
	nl_addr_put(dst);
	nl_socket_free(sk);
	return (ret);
}

int
priv_route_unpin(const struct sockaddr *sa, char *err, size_t errlen)
{
	struct nl_sock	*sk;
	struct pin	*p;
	const void	*addr;
	char		 str[INET6_ADDRSTRLEN];
	size_t		 alen;
	int		 family, rc;

	str[0] = '\0';
	if (dst_check(sa, &family, &addr, &alen, str, sizeof(str), err,
	    errlen) == -1)
		return (-1);
	if ((p = pin_find(family, addr, alen)) == NULL)
		return (priv_seterr(err, errlen, "route %s: not pinned by us", str));
	if ((sk = rtnl_open(str, err, errlen)) == NULL)
		return (-1);
	rc = rtnl_route_delete(sk, p->route, 0);
	nl_socket_free(sk);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
		return (priv_seterr(err, errlen, "route %s: remove host route: %s",
		    str, nl_geterror(rc)));
	TAILQ_REMOVE(&pins, p, entry);
	rtnl_route_put(p->route);
	free(p);
	if (rc < 0)
		return (priv_seterr(err, errlen, "route %s: host route was "
		    "already gone", str));
	return (0);
}
