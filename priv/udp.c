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

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"


int
priv_udp_bind(const struct sockaddr *sa, socklen_t salen, char *err,
    size_t errlen)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 host[INET6_ADDRSTRLEN], str[80];
	int				 fd, saved, on = 1, off = 0;

	if (sa == NULL)
		return (priv_seterr(err, errlen, "udp socket: no address"));
	if (salen < sizeof(sa->sa_family))
		return (priv_seterr(err, errlen, "udp socket: address length %u "
		    "too short", (unsigned int)salen));
	switch (sa->sa_family) {
	case AF_INET:
		if (salen != sizeof(struct sockaddr_in))
			return (priv_seterr(err, errlen, "udp socket: IPv4 address "
			    "length %u, want %zu", (unsigned int)salen,
			    sizeof(struct sockaddr_in)));
		sin = (const struct sockaddr_in *)sa;
		(void)inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		(void)snprintf(str, sizeof(str), "%s:%u", host,
		    ntohs(sin->sin_port));
		break;
	case AF_INET6:
		if (salen != sizeof(struct sockaddr_in6))
			return (priv_seterr(err, errlen, "udp socket: IPv6 address "
			    "length %u, want %zu", (unsigned int)salen,
			    sizeof(struct sockaddr_in6)));
		sin6 = (const struct sockaddr_in6 *)sa;
		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host));
		(void)snprintf(str, sizeof(str), "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
		break;
	default:
		return (priv_seterr(err, errlen, "udp socket: address family %d "
		    "not supported", sa->sa_family));
	}

	if ((fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_UDP)) == -1)
		return (priv_seterr(err, errlen, "udp socket %s: %s", str,
		    strerror(errno)));
	if (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) {
		priv_seterr(err, errlen, "udp socket %s: IPV6_V6ONLY: %s", str,
		    strerror(errno));
		goto fail;
	}
	/* Another process must not be able to share the port. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &off,
	    sizeof(off)) == -1) {
		priv_seterr(err, errlen, "udp socket %s: SO_REUSEADDR: %s", str,
		    strerror(errno));
		goto fail;
	}
	/*
	 * UDP GRO: the kernel may hand over runs of datagrams from one
	 * sender as one buffer (common/uplink.c and relayd/relay.c split
	 * them).  Best effort: a kernel without it (before 5.0) gives
	 * datagrams one by one.
	 */
	(void)setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	if (bind(fd, sa, salen) == -1) {
		priv_seterr(err, errlen, "udp socket %s: bind: %s", str,
		    strerror(errno));
		goto fail;
	}
	return (fd);

 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}
