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

#ifndef SOFTLAN_PRIV_H
#define SOFTLAN_PRIV_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "ether.h"

/*
 * The operations only a privileged parent performs.  Each one validates
 * its arguments, acts, and returns an fd (or 0) on success; on failure it
 * returns -1 and writes a one-line message naming the object and the
 * problem into err (e.g. "interface lo: not Ethernet (ARPHRD_LOOPBACK 772)").
 * None of them logs by itself; the caller decides.
 */

#define PRIV_ERRLEN	256

/* What priv_packet_open found and did to one receive offload. */
#define PRIV_OFFLOAD_OFF	0	/* was off already (or fixed off) */
#define PRIV_OFFLOAD_DISABLED	1	/* was on, we turned it off */
#define PRIV_OFFLOAD_FAILED	2	/* on, or unknown, and still so */

struct priv_packet_info {
	int			 ifindex;
	unsigned int		 mtu;
	struct ether_mac	 hwaddr;
	int			 ignore_outgoing; /* 0: kernel lacks it, filter
						     PACKET_OUTGOING yourself */
	int			 gro;		/* PRIV_OFFLOAD_* */
	int			 lro;		/* PRIV_OFFLOAD_* */
	char			 offload_err[PRIV_ERRLEN]; /* why FAILED */
};

/* packet.c: AF_PACKET/ETH_P_ALL bound to ifname, promiscuous membership,
 * PACKET_AUXDATA, PACKET_IGNORE_OUTGOING, GRO/LRO off (what was changed is
 * reported in info; failing to change it is not fatal), non-blocking,
 * close-on-exec.  priv_ifname_check: non-empty, shorter than IFNAMSIZ,
 * printable, no '/', ':' or blank, not "." or "..". */
int	priv_packet_open(const char *, struct priv_packet_info *, char *,
	    size_t);
int	priv_ifname_check(const char *, char *, size_t);

/* tap.c: /dev/net/tun IFF_TAP|IFF_NO_PI named ifname (no '%'), MAC set
 * (valid unicast), MTU set (576..1500), link up (libnl-route-3).  Returns
 * the non-blocking, close-on-exec TAP fd; the TAP is not persistent and
 * vanishes with its last fd.  set_mtu and set_addr act on TAPs only;
 * set_addr adds (or refreshes) an IPv4 (prefix 1..32, with the subnet
 * broadcast address) or IPv6 (prefix 1..128) unicast address. */
int	priv_tap_open(const char *, const struct ether_mac *, unsigned int,
	    char *, size_t);
int	priv_tap_set_mtu(const char *, unsigned int, char *, size_t);
int	priv_tap_set_addr(const char *, const struct sockaddr *,
	    unsigned int, char *, size_t);

/* route.c: a host route (/32, /128) to dst via the gateway and interface
 * of the route currently used to reach dst, in the same table (libnl).
 * priv_route_pin returns 0 when it added the route, 1 when there was
 * nothing to pin (dst is on-link or local, or a host route to it exists
 * already); only after 0 is there anything to unpin.  The process keeps
 * the list of its pins: priv_route_unpin removes exactly the route that
 * priv_route_pin added for dst, and fails for any other dst. */
int	priv_route_pin(const struct sockaddr *, char *, size_t);
int	priv_route_unpin(const struct sockaddr *, char *, size_t);

/* udp.c: a non-blocking UDP socket bound to the address (any port,
 * including privileged ones), close-on-exec. */
int	priv_udp_bind(const struct sockaddr *, socklen_t, char *, size_t);

/* control.c: the daemon's control socket at path: stale socket removed
 * (a live one, or a path that is not a socket, is an error), bound,
 * listening, owner root, group gid, mode 0660; non-blocking.  Without
 * root, the caller's owner and group stay. */
int	priv_control_socket(const char *, gid_t, char *, size_t);

/* The socket a daemon bound, removed at its exit: only if the path still
 * names that socket (not one a later instance bound there). */
struct priv_ctlsock {
	char	path[108];	/* sun_path */
	dev_t	dev;
	ino_t	ino;
	int	set;
};
void	priv_control_remember(struct priv_ctlsock *, const char *);
int	priv_control_remove(struct priv_ctlsock *);

/* priv.c */
int	priv_seterr(char *, size_t, const char *, ...)
	    __attribute__((__format__ (printf, 3, 4)));

#endif /* SOFTLAN_PRIV_H */
