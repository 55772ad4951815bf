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
#include <ctype.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "ether.h"
#include "priv.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23	/* Linux 4.20 */
#endif

static const char *arphrd_name(unsigned short);
static int	 ethtool_value(int, const char *, struct ethtool_value *);
static void	 offload_note(struct priv_packet_info *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 gro_off(int, const char *, struct priv_packet_info *);
static void	 lro_off(int, const char *, struct priv_packet_info *);

static const struct {
	unsigned short	 type;
	const char	*name;
} arphrd_names[] = {
	{ ARPHRD_ETHER,		"ARPHRD_ETHER" },
	{ ARPHRD_LOOPBACK,	"ARPHRD_LOOPBACK" },
	{ ARPHRD_NONE,		"ARPHRD_NONE" },
	{ ARPHRD_VOID,		"ARPHRD_VOID" },
	{ ARPHRD_PPP,		"ARPHRD_PPP" },
	{ ARPHRD_SIT,		"ARPHRD_SIT" },
	{ ARPHRD_TUNNEL,	"ARPHRD_TUNNEL" },
	{ ARPHRD_TUNNEL6,	"ARPHRD_TUNNEL6" },
	{ ARPHRD_IPGRE,		"ARPHRD_IPGRE" },
	{ ARPHRD_INFINIBAND,	"ARPHRD_INFINIBAND" },
	{ ARPHRD_IEEE80211,	"ARPHRD_IEEE80211" },
	{ ARPHRD_IEEE80211_RADIOTAP, "ARPHRD_IEEE80211_RADIOTAP" },
	{ ARPHRD_IEEE802154,	"ARPHRD_IEEE802154" },
	{ ARPHRD_CAN,		"ARPHRD_CAN" },
	{ ARPHRD_RAWIP,		"ARPHRD_RAWIP" },
};

int
priv_ifname_check(const char *name, char *err, size_t errlen)
{
	size_t		 i, len;

	if (name == NULL || name[0] == '\0')
		return (priv_seterr(err, errlen, "interface name: empty"));
	len = strnlen(name, IFNAMSIZ);
	for (i = 0; i < len; i++) {
		if (!isprint((unsigned char)name[i]) ||
		    isspace((unsigned char)name[i]))
			return (priv_seterr(err, errlen, "interface name: character "
			    "%zu is not printable or blank", i + 1));
	}
	if (len >= IFNAMSIZ)
		return (priv_seterr(err, errlen, "interface %.*s...: name longer "
		    "than %d characters", IFNAMSIZ - 1, name, IFNAMSIZ - 1));
	if (strchr(name, '/') != NULL || strchr(name, ':') != NULL)
		return (priv_seterr(err, errlen, "interface %s: name contains "
		    "'/' or ':'", name));
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return (priv_seterr(err, errlen, "interface %s: invalid name",
		    name));
	return (0);
}

static const char *
arphrd_name(unsigned short type)
{
	size_t		 i;

	for (i = 0; i < nitems(arphrd_names); i++)
		if (arphrd_names[i].type == type)
			return (arphrd_names[i].name);
	return ("ARPHRD");
}

static int
ethtool_value(int fd, const char *ifname, struct ethtool_value *ev)
{
	struct ifreq	 ifr;

	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_data = (char *)ev;
	return (ioctl(fd, SIOCETHTOOL, &ifr));
}

/* Append one reason to info->offload_err. */
static void
offload_note(struct priv_packet_info *info, const char *fmt, ...)
{
	char		 buf[PRIV_ERRLEN];
	va_list		 ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (info->offload_err[0] != '\0')
		(void)strlcat(info->offload_err, "; ",
		    sizeof(info->offload_err));
	(void)strlcat(info->offload_err, buf, sizeof(info->offload_err));
}

/*
 * GRO would hand us super-frames larger than the MTU: turn it off with the
 * legacy per-feature ethtool commands, which every kernel since 2.6.28
 * answers for every device (GRO is a software feature).
 */
static void
gro_off(int fd, const char *ifname, struct priv_packet_info *info)
{
	struct ethtool_value	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_GGRO;
	if (ethtool_value(fd, ifname, &ev) == -1) {
		info->gro = PRIV_OFFLOAD_FAILED;
		offload_note(info, "interface %s: cannot read GRO state: %s",
		    ifname, strerror(errno));
		return;
	}
	if (ev.data == 0) {
		info->gro = PRIV_OFFLOAD_OFF;
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_SGRO;
	ev.data = 0;
	if (ethtool_value(fd, ifname, &ev) == -1) {
		info->gro = PRIV_OFFLOAD_FAILED;
		offload_note(info, "interface %s: cannot turn GRO off: %s",
		    ifname, strerror(errno));
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_GGRO;
	if (ethtool_value(fd, ifname, &ev) == -1 || ev.data != 0) {
		info->gro = PRIV_OFFLOAD_FAILED;
		offload_note(info, "interface %s: GRO still on after "
		    "turning it off", ifname);
		return;
	}
	info->gro = PRIV_OFFLOAD_DISABLED;
}

/* LRO has no per-feature command: it is a bit of the legacy flags. */
static void
lro_off(int fd, const char *ifname, struct priv_packet_info *info)
{
	struct ethtool_value	 ev;
	uint32_t		 flags;

	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_GFLAGS;
	if (ethtool_value(fd, ifname, &ev) == -1) {
		info->lro = PRIV_OFFLOAD_FAILED;
		offload_note(info, "interface %s: cannot read LRO state: %s",
		    ifname, strerror(errno));
		return;
	}
	if ((ev.data & ETH_FLAG_LRO) == 0) {
		info->lro = PRIV_OFFLOAD_OFF;
		return;
	}
	flags = ev.data & ~(uint32_t)ETH_FLAG_LRO;
	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_SFLAGS;
	ev.data = flags;
	if (ethtool_value(fd, ifname, &ev) == -1) {
		info->lro = PRIV_OFFLOAD_FAILED;
		offload_note(info, "interface %s: cannot turn LRO off: %s",
		    ifname, strerror(errno));
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.cmd = ETHTOOL_GFLAGS;
	if (ethtool_value(fd, ifname, &ev) == -1 ||
	    (ev.data & ETH_FLAG_LRO) != 0) {
		info->lro = PRIV_OFFLOAD_FAILED;
		offload_note(info, "interface %s: LRO still on after "
		    "turning it off", ifname);
		return;
	}
	info->lro = PRIV_OFFLOAD_DISABLED;
}

/*
 * The socket is created with protocol 0 and first bound with protocol 0:
 * no packet hook exists until the final bind with ETH_P_ALL, so nothing
 * from another interface can be queued in between and there is nothing
 * to drain.
 */
int
priv_packet_open(const char *ifname, struct priv_packet_info *info,
    char *err, size_t errlen)
{
	struct sockaddr_ll	 sll;
	struct packet_mreq	 mr;
	struct ifreq		 ifr;
	unsigned int		 idx;
	unsigned short		 type;
	int			 fd, on = 1, saved;

	if (info == NULL)
		return (priv_seterr(err, errlen, "%s: no info buffer", __func__));
	memset(info, 0, sizeof(*info));
	if (priv_ifname_check(ifname, err, errlen) == -1)
		return (-1);

	if ((idx = if_nametoindex(ifname)) == 0) {
		if (errno == ENODEV || errno == ENXIO)
			return (priv_seterr(err, errlen, "interface %s: no such "
			    "interface", ifname));
		return (priv_seterr(err, errlen, "interface %s: %s", ifname,
		    strerror(errno)));
	}
	if (idx > INT32_MAX)
		return (priv_seterr(err, errlen, "interface %s: ifindex %u out of "
		    "range", ifname, idx));
	info->ifindex = (int)idx;

	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (priv_seterr(err, errlen, "interface %s: packet socket: %s",
		    ifname, strerror(errno)));

	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1) {
		priv_seterr(err, errlen, "interface %s: SIOCGIFHWADDR: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	type = ifr.ifr_hwaddr.sa_family;
	if (type != ARPHRD_ETHER) {
		priv_seterr(err, errlen, "interface %s: not Ethernet (%s %u)",
		    ifname, arphrd_name(type), type);
		goto fail;
	}
	memcpy(info->hwaddr.octet, ifr.ifr_hwaddr.sa_data, ETHER_ADDR_LEN);
	if (!ether_mac_valid_unicast(&info->hwaddr)) {
		priv_seterr(err, errlen, "interface %s: MAC %s is not a valid "
		    "unicast address", ifname, ether_mac_str(&info->hwaddr));
		goto fail;
	}

	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFMTU, &ifr) == -1) {
		priv_seterr(err, errlen, "interface %s: SIOCGIFMTU: %s", ifname,
		    strerror(errno));
		goto fail;
	}
	if (ifr.ifr_mtu <= 0) {
		priv_seterr(err, errlen, "interface %s: MTU %d out of range",
		    ifname, ifr.ifr_mtu);
		goto fail;
	}
	info->mtu = (unsigned int)ifr.ifr_mtu;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = info->ifindex;
	sll.sll_protocol = 0;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		priv_seterr(err, errlen, "interface %s: bind: %s", ifname,
		    strerror(errno));
		goto fail;
	}

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = info->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1) {
		priv_seterr(err, errlen, "interface %s: promiscuous mode: %s",
		    ifname, strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on,
	    sizeof(on)) == -1) {
		priv_seterr(err, errlen, "interface %s: PACKET_AUXDATA: %s",
		    ifname, strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on,
	    sizeof(on)) == -1) {
		if (errno != ENOPROTOOPT && errno != EINVAL) {
			priv_seterr(err, errlen, "interface %s: "
			    "PACKET_IGNORE_OUTGOING: %s", ifname,
			    strerror(errno));
			goto fail;
		}
		info->ignore_outgoing = 0;
	} else
		info->ignore_outgoing = 1;

	gro_off(fd, ifname, info);
	lro_off(fd, ifname, info);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = info->ifindex;
	sll.sll_protocol = htons(ETH_P_ALL);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		priv_seterr(err, errlen, "interface %s: bind: %s", ifname,
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
