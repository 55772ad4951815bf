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

#include <sys/types.h>

#include <linux/if_packet.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cam.h"
#include "compat.h"
#include "ether.h"
#include "lan.h"

/* lan.h keeps the packet socket headers out; the values must agree. */
_Static_assert(LAN_PACKET_OUTGOING == PACKET_OUTGOING, "PACKET_OUTGOING");
_Static_assert(LAN_TP_STATUS_CSUMNOTREADY == TP_STATUS_CSUMNOTREADY,
    "TP_STATUS_CSUMNOTREADY");
_Static_assert(LAN_TP_STATUS_VLAN_VALID == TP_STATUS_VLAN_VALID,
    "TP_STATUS_VLAN_VALID");
_Static_assert(LAN_TP_STATUS_VLAN_TPID_VALID == TP_STATUS_VLAN_TPID_VALID,
    "TP_STATUS_VLAN_TPID_VALID");

#define IPV4_HDR_MIN	20
#define IPV6_HDR_LEN	40
#define UDP_HDR_LEN	8
#define TCP_HDR_MIN	20
#define UDP_CSUM_OFF	6
#define TCP_CSUM_OFF	16

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_DSTOPTS_	60
#define IPV6_MAXEXT		8	/* extension headers walked */

static uint16_t	 get16(const uint8_t *);
static void	 put16(uint8_t *, uint16_t);
static uint64_t	 sum_bytes(uint64_t, const uint8_t *, size_t);
static uint16_t	 sum_fold(uint64_t);
static int	 fix_l4(uint8_t *, size_t, uint8_t, uint64_t,
		    const char **);

/* Stable: these are counter names on the control socket. */
static const char *const lan_reason_names[LAN_REASON_MAX] = {
	[LAN_PASS] =			"pass",
	[LAN_SKIP_OUTGOING] =		"outgoing",
	[LAN_DROP_RUNT] =		"runt",
	[LAN_DROP_SOURCE_INVALID] =	"source-invalid",
	[LAN_SKIP_OWN_SOURCE] =		"own-source",
	[LAN_SKIP_REMOTE_SOURCE] =	"remote-source",
	[LAN_SKIP_NOT_REMOTE] =		"not-remote",
	[LAN_DROP_JUMBO] =		"jumbo",
	[LAN_DROP_VLAN] =		"vlan-restore",
	[LAN_DROP_CHECKSUM] =		"checksum",
};

const char *
lan_reason_name(enum lan_reason r)
{
	if ((unsigned int)r >= LAN_REASON_MAX)
		return ("unknown");
	return (lan_reason_names[r]);
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)((p[0] << 8) | p[1]));
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Add bytes to a one's complement sum as big-endian 16-bit words. */
static uint64_t
sum_bytes(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return (sum);
}

static uint16_t
sum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)sum);
}

/*
 * Decide what a frame read from the packet socket is (see lan.h); the
 * caller has restored a stripped VLAN tag already.  remote holds the
 * remote client MACs, nic is the gateway's own.
 */
enum lan_reason
lan_classify(const uint8_t *frame, size_t len, int pkttype,
    const struct cam *remote, const struct ether_mac *nic, uint16_t room_mtu)
{
	struct ether_frame	 ef;
	size_t			 max;

	if (pkttype == LAN_PACKET_OUTGOING)
		return (LAN_SKIP_OUTGOING);
	if (ether_parse(frame, len, &ef) == -1)
		return (LAN_DROP_RUNT);
	if (!ether_mac_valid_unicast(&ef.src))
		return (LAN_DROP_SOURCE_INVALID);
	if (ether_mac_eq(&ef.src, nic))
		return (LAN_SKIP_OWN_SOURCE);
	if (cam_lookup(remote, &ef.src) != NULL)
		return (LAN_SKIP_REMOTE_SOURCE);
	if (!ether_mac_is_multicast(&ef.dst) &&
	    cam_lookup(remote, &ef.dst) == NULL)
		return (LAN_SKIP_NOT_REMOTE);
	max = (size_t)room_mtu + ETHER_HDR_LEN + (ef.tagged ? ETHER_VLAN_LEN :
	    0);
	if (len > max)
		return (LAN_DROP_JUMBO);
	return (LAN_PASS);
}

/*
 * Put back the 802.1Q (or 802.1ad) tag the NIC stripped: tpid (0 means
 * 0x8100, for kernels that do not report it) and tci go after the MAC
 * addresses.  buf holds len bytes and has room for bufsize.  Returns the
 * new length, or -1 when the frame is shorter than an Ethernet header,
 * the buffer has no room for 4 more bytes, or tpid is neither 0x8100
 * nor 0x88a8; buf is then unchanged.
 */
ssize_t
lan_restore_vlan(uint8_t *buf, size_t len, size_t bufsize, uint16_t tci,
    uint16_t tpid)
{
	uint8_t	*tag;

	if (tpid == 0)
		tpid = ETHERTYPE_VLAN;
	if (tpid != ETHERTYPE_VLAN && tpid != ETHERTYPE_QINQ)
		return (-1);
	if (buf == NULL || len < ETHER_HDR_LEN || len > bufsize ||
	    bufsize - len < ETHER_VLAN_LEN || len > SSIZE_MAX - ETHER_VLAN_LEN)
		return (-1);
	tag = buf + 2 * ETHER_ADDR_LEN;
	memmove(tag + ETHER_VLAN_LEN, tag, len - 2 * ETHER_ADDR_LEN);
	put16(tag, tpid);
	put16(tag + 2, tci);
	return ((ssize_t)(len + ETHER_VLAN_LEN));
}

/*
 * Recompute the checksum of the TCP or UDP segment l4 (l4len bytes, as
 * the IP header bounds it), given the pseudo-header sum without the
 * length.  Returns 1, or -1 and *errstr.
 */
static int
fix_l4(uint8_t *l4, size_t l4len, uint8_t proto, uint64_t pseudo,
    const char **errstr)
{
	size_t		 len, off;
	uint16_t	 csum;

	if (proto == IPPROTO_UDP_) {
		if (l4len < UDP_HDR_LEN) {
			*errstr = "udp: truncated header";
			return (-1);
		}
		len = get16(l4 + 4);
		if (len < UDP_HDR_LEN || len > l4len) {
			*errstr = "udp: bad length";
			return (-1);
		}
		off = UDP_CSUM_OFF;
	} else {
		if (l4len < TCP_HDR_MIN) {
			*errstr = "tcp: truncated header";
			return (-1);
		}
		len = l4len;
		if ((size_t)(l4[12] >> 4) * 4 < TCP_HDR_MIN ||
		    (size_t)(l4[12] >> 4) * 4 > len) {
			*errstr = "tcp: bad data offset";
			return (-1);
		}
		off = TCP_CSUM_OFF;
	}
	/* The length in the pseudo-header: 16 bits (v4) or 32 (v6). */
	pseudo += (len >> 16) + (len & 0xffff);
	put16(l4 + off, 0);
	csum = ~sum_fold(sum_bytes(pseudo, l4, len));
	/* UDP: 0 means "no checksum", so a computed 0 is sent as ~0. */
	if (proto == IPPROTO_UDP_ && csum == 0)
		csum = 0xffff;
	put16(l4 + off, csum);
	return (1);
}

/*
 * Complete the checksum of a frame with a partial one: recompute the TCP
 * or UDP checksum of an IPv4 or IPv6 packet from scratch.  Returns 1 when
 * it was recomputed, 0 when the frame is not TCP or UDP over IP (it is
 * left alone), -1 when it cannot be fixed (truncated or inconsistent
 * headers, a fragment, an IPv6 routing header with segments left): the
 * frame is then unchanged and *errstr (if errstr is not NULL) says why.
 */
int
lan_fix_l4_checksum(uint8_t *frame, size_t len, const char **errstr)
{
	struct ether_frame	 ef;
	const char		*err = NULL;
	uint8_t			*ip, nh;
	size_t			 avail, ihl, tot, off, hlen, n;
	uint64_t		 pseudo;
	int			 rv;

	if (errstr == NULL)
		errstr = &err;
	if (ether_parse(frame, len, &ef) == -1) {
		*errstr = "ethernet: truncated header";
		return (-1);
	}
	ip = frame + ef.hdrlen;
	avail = ef.payloadlen;

	if (ef.ethertype == ETHERTYPE_IPV4) {
		if (avail < IPV4_HDR_MIN) {
			*errstr = "ipv4: truncated header";
			return (-1);
		}
		if ((ip[0] >> 4) != 4) {
			*errstr = "ipv4: bad version";
			return (-1);
		}
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		if (ihl < IPV4_HDR_MIN) {
			*errstr = "ipv4: bad header length";
			return (-1);
		}
		if (ihl > avail) {
			*errstr = "ipv4: truncated header";
			return (-1);
		}
		tot = get16(ip + 2);
		if (tot < ihl) {
			*errstr = "ipv4: bad total length";
			return (-1);
		}
		if (tot > avail) {
			*errstr = "ipv4: truncated packet";
			return (-1);
		}
		nh = ip[9];
		if (nh != IPPROTO_UDP_ && nh != IPPROTO_TCP_)
			return (0);
		if ((get16(ip + 6) & 0x3fff) != 0) {
			*errstr = "ipv4: fragment";
			return (-1);
		}
		pseudo = sum_bytes(0, ip + 12, 8) + nh;
		rv = fix_l4(ip + ihl, tot - ihl, nh, pseudo, errstr);
		return (rv);
	}

	if (ef.ethertype != ETHERTYPE_IPV6)
		return (0);
	if (avail < IPV6_HDR_LEN) {
		*errstr = "ipv6: truncated header";
		return (-1);
	}
	if ((ip[0] >> 4) != 6) {
		*errstr = "ipv6: bad version";
		return (-1);
	}
	tot = IPV6_HDR_LEN + get16(ip + 4);
	if (tot > avail) {
		*errstr = "ipv6: truncated packet";
		return (-1);
	}
	nh = ip[6];
	off = IPV6_HDR_LEN;
	for (n = 0; ; n++) {
		if (nh == IPPROTO_UDP_ || nh == IPPROTO_TCP_)
			break;
		if (nh == IPPROTO_FRAGMENT_) {
			*errstr = "ipv6: fragment";
			return (-1);
		}
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ &&
		    nh != IPPROTO_DSTOPTS_)
			return (0);
		if (n == IPV6_MAXEXT) {
			*errstr = "ipv6: too many extension headers";
			return (-1);
		}
		if (tot - off < 8) {
			*errstr = "ipv6: truncated extension header";
			return (-1);
		}
		hlen = ((size_t)ip[off + 1] + 1) * 8;
		if (hlen > tot - off) {
			*errstr = "ipv6: truncated extension header";
			return (-1);
		}
		/* The pseudo-header needs the final destination. */
		if (nh == IPPROTO_ROUTING_ && ip[off + 3] != 0) {
			*errstr = "ipv6: routing header with segments left";
			return (-1);
		}
		nh = ip[off];
		off += hlen;
	}
	pseudo = sum_bytes(0, ip + 8, 32) + nh;
	return (fix_l4(ip + off, tot - off, nh, pseudo, errstr));
}

/*
 * Everything that happens to a frame read from the packet socket, counted
 * in c: see lan.h.  buf holds *lenp bytes with room for bufsize (at least
 * 4 more for a stripped tag); *lenp is updated when a tag is restored.
 * LAN_PASS: send buf to the relay.
 */
enum lan_reason
lan_input(struct lan_counters *c, uint8_t *buf, size_t *lenp, size_t bufsize,
    const struct lan_aux *aux, const struct cam *remote,
    const struct ether_mac *nic, uint16_t room_mtu)
{
	enum lan_reason	 r;
	ssize_t		 n;
	uint16_t	 tpid;

	c->frames_in++;
	c->bytes_in += *lenp;
	if (aux->pkttype == LAN_PACKET_OUTGOING) {
		r = LAN_SKIP_OUTGOING;
		goto out;
	}
	if (aux->status & LAN_TP_STATUS_VLAN_VALID) {
		tpid = (aux->status & LAN_TP_STATUS_VLAN_TPID_VALID) ?
		    aux->vlan_tpid : 0;
		if ((n = lan_restore_vlan(buf, *lenp, bufsize, aux->vlan_tci,
		    tpid)) == -1) {
			r = LAN_DROP_VLAN;
			goto out;
		}
		*lenp = (size_t)n;
		c->vlan_restored++;
	}
	r = lan_classify(buf, *lenp, aux->pkttype, remote, nic, room_mtu);
	if (r != LAN_PASS)
		goto out;
	if (aux->status & LAN_TP_STATUS_CSUMNOTREADY) {
		switch (lan_fix_l4_checksum(buf, *lenp, NULL)) {
		case -1:
			r = LAN_DROP_CHECKSUM;
			goto out;
		case 1:
			c->csum_fixed++;
			break;
		default:
			break;
		}
	}
	c->frames_out++;
	c->bytes_out += *lenp;
	return (LAN_PASS);
 out:
	c->reasons[r]++;
	return (r);
}


/*
 * The counters as name/value pairs for the control socket, at most max:
 * lan-frames-in, lan-bytes-in, lan-frames-out, lan-bytes-out,
 * lan-vlan-restored, lan-csum-fixed, then lan-<reason> for every reason
 * but pass.  Returns how many were written.
 */
size_t
lan_counters_export(const struct lan_counters *c, struct wiremsg_counter *out,
    size_t max)
{
	char		 name[WIREMSG_COUNTER_NAME_MAX + 1];
	unsigned int	 r;
	size_t		 n = 0;

	wiremsg_counter_put(out, max, &n, "lan-frames-in", c->frames_in);
	wiremsg_counter_put(out, max, &n, "lan-bytes-in", c->bytes_in);
	wiremsg_counter_put(out, max, &n, "lan-frames-out", c->frames_out);
	wiremsg_counter_put(out, max, &n, "lan-bytes-out", c->bytes_out);
	wiremsg_counter_put(out, max, &n, "lan-vlan-restored",
	    c->vlan_restored);
	wiremsg_counter_put(out, max, &n, "lan-csum-fixed", c->csum_fixed);
	for (r = LAN_PASS + 1; r < LAN_REASON_MAX; r++) {
		snprintf(name, sizeof(name), "lan-%s",
		    lan_reason_name((enum lan_reason)r));
		wiremsg_counter_put(out, max, &n, name, c->reasons[r]);
	}
	return (n);
}
