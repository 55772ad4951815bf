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


/*
 * TCP MSS clamping (mssclamp.h): a bounded walk of one frame's Ethernet,
 * IP and TCP headers and the SYN's options, then one 16-bit rewrite and
 * the checksum's incremental update.  Every offset is checked against the
 * end of the IP packet (itself checked against the frame) before it is
 * read.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ether.h"
#include "mssclamp.h"
#include "wiremsg.h"

#define IP4_HDRLEN		20
#define IP6_HDRLEN		40
#define TCP_HDRLEN		20
#define TCP_CSUM_OFF		16
#define TCP_FLAGS_OFF		13
#define TCP_FLAG_SYN		0x02
#define IPPROTO_TCP_		6
#define IP4_FRAGOFF_MASK	0x1fff
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOLEN_MSS		4
#define IP6_EXTHDR_MAX		8	/* a longer chain is not walked */

static const char *const result_names[MSSCLAMP_RESULT_MAX] = {
	[MSSCLAMP_NONE] =		"none",
	[MSSCLAMP_CLAMPED] =		"clamped",
	[MSSCLAMP_UNCHANGED] =		"unchanged",
	[MSSCLAMP_NO_OPTION] =		"no-option",
	[MSSCLAMP_MALFORMED] =		"skipped-malformed",
	[MSSCLAMP_IPV6_EXTHDR] =	"skipped-ipv6-exthdr",
};

static uint16_t	 get16(const uint8_t *);
static void	 put16(uint8_t *, uint16_t);
static enum mssclamp_result find_tcp(const uint8_t *, size_t, size_t,
		    struct mssclamp_edit *);
static enum mssclamp_result find_ip4(const uint8_t *, size_t, size_t,
		    struct mssclamp_edit *);
static enum mssclamp_result find_ip6(const uint8_t *, size_t, size_t,
		    struct mssclamp_edit *);

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * The TCP segment at f[l4..end): a SYN's options walked, its MSS option
 * located.  end is within the frame.
 */
static enum mssclamp_result
find_tcp(const uint8_t *f, size_t l4, size_t end, struct mssclamp_edit *e)
{
	size_t	 doff, i, oend, olen, mss_off = 0;
	int	 found = 0;

	if (end < l4 || end - l4 < TCP_HDRLEN)
		return (MSSCLAMP_MALFORMED);
	if (!(f[l4 + TCP_FLAGS_OFF] & TCP_FLAG_SYN))
		return (MSSCLAMP_NONE);
	doff = (size_t)(f[l4 + 12] >> 4) * 4;
	if (doff < TCP_HDRLEN || doff > end - l4)
		return (MSSCLAMP_MALFORMED);
	oend = l4 + doff;
	for (i = l4 + TCP_HDRLEN; i < oend; ) {
		if (f[i] == TCPOPT_EOL)
			break;
		if (f[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (oend - i < 2)
			return (MSSCLAMP_MALFORMED);	/* no length byte */
		olen = f[i + 1];
		if (olen < 2 || olen > oend - i)
			return (MSSCLAMP_MALFORMED);
		if (f[i] == TCPOPT_MSS) {
			if (olen != TCPOLEN_MSS || found)
				return (MSSCLAMP_MALFORMED);
			found = 1;
			mss_off = i + 2;
		}
		i += olen;
	}
	if (!found)
		return (MSSCLAMP_NO_OPTION);
	e->mss_off = mss_off;
	e->csum_off = l4 + TCP_CSUM_OFF;
	e->tcp_off = l4;
	e->mss = get16(f + mss_off);
	return (MSSCLAMP_UNCHANGED);
}

/* IPv4 at f[l3..len). */
static enum mssclamp_result
find_ip4(const uint8_t *f, size_t len, size_t l3, struct mssclamp_edit *e)
{
	const uint8_t	*ip = f + l3;
	size_t		 hl, tot;

	if (len - l3 < IP4_HDRLEN)
		return (MSSCLAMP_MALFORMED);
	if (ip[9] != IPPROTO_TCP_)
		return (MSSCLAMP_NONE);
	hl = (size_t)(ip[0] & 0x0f) * 4;
	tot = get16(ip + 2);
	if (ip[0] >> 4 != 4 || hl < IP4_HDRLEN || tot < hl || tot > len - l3)
		return (MSSCLAMP_MALFORMED);
	/* A non-first fragment has no TCP header. */
	if (get16(ip + 6) & IP4_FRAGOFF_MASK)
		return (MSSCLAMP_NONE);
	return (find_tcp(f, l3 + hl, l3 + tot, e));
}

/*
 * IPv6 at f[l3..len): TCP right after the fixed header.  An extension
 * header chain is walked only to tell whether it ends in a TCP SYN, which
 * is counted (MSSCLAMP_IPV6_EXTHDR) and left alone.
 */
static enum mssclamp_result
find_ip6(const uint8_t *f, size_t len, size_t l3, struct mssclamp_edit *e)
{
	const uint8_t	*ip = f + l3;
	size_t		 end, off, hl;
	unsigned int	 nh, n;

	if (len - l3 < IP6_HDRLEN || ip[0] >> 4 != 6)
		return (MSSCLAMP_MALFORMED);
	end = l3 + IP6_HDRLEN + get16(ip + 4);
	if (end > len)
		return (MSSCLAMP_MALFORMED);
	nh = ip[6];
	if (nh == IPPROTO_TCP_) {
		e->ipv6 = 1;
		return (find_tcp(f, l3 + IP6_HDRLEN, end, e));
	}
	off = l3 + IP6_HDRLEN;
	for (n = 0; n < IP6_EXTHDR_MAX; n++) {
		switch (nh) {
		case IPPROTO_TCP_:
			if (end - off >= TCP_HDRLEN &&
			    (f[off + TCP_FLAGS_OFF] & TCP_FLAG_SYN))
				return (MSSCLAMP_IPV6_EXTHDR);
			return (MSSCLAMP_NONE);
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 135:	/* mobility */
		case 139:	/* HIP */
		case 140:	/* shim6 */
		case 253:	/* experimental */
		case 254:
			if (end - off < 8)
				return (MSSCLAMP_MALFORMED);
			hl = ((size_t)f[off + 1] + 1) * 8;
			break;
		case 44:	/* fragment */
			if (end - off < 8)
				return (MSSCLAMP_MALFORMED);
			if (get16(f + off + 2) & 0xfff8)
				return (MSSCLAMP_NONE);	/* not the first */
			hl = 8;
			break;
		case 51:	/* authentication header */
			if (end - off < 8)
				return (MSSCLAMP_MALFORMED);
			hl = ((size_t)f[off + 1] + 2) * 4;
			break;
		default:	/* another upper layer, ESP, no next header */
			return (MSSCLAMP_NONE);
		}
		if (hl > end - off)
			return (MSSCLAMP_MALFORMED);
		nh = f[off];
		off += hl;
	}
	return (MSSCLAMP_NONE);
}

enum mssclamp_result
mssclamp_find(const uint8_t *f, size_t len, struct mssclamp_edit *e)
{
	enum mssclamp_result	 r;
	size_t			 l3 = ETHER_HDR_LEN;
	uint16_t		 type;
	int			 tagged = 0;

	memset(e, 0, sizeof(*e));
	if (len < ETHER_HDR_LEN)
		return (MSSCLAMP_NONE);
	type = get16(f + 12);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (len < ETHER_HDR_LEN + ETHER_VLAN_LEN)
			return (MSSCLAMP_NONE);
		type = get16(f + 16);
		l3 += ETHER_VLAN_LEN;
		tagged = 1;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		r = find_ip4(f, len, l3, e);
		break;
	case ETHERTYPE_IPV6:
		r = find_ip6(f, len, l3, e);
		break;
	default:	/* not IP, or a second tag: left alone */
		return (MSSCLAMP_NONE);
	}
	if (r != MSSCLAMP_UNCHANGED) {
		memset(e, 0, sizeof(*e));
		return (r);
	}
	e->tagged = tagged;
	return (r);
}

uint16_t
mssclamp_limit(uint32_t setting, size_t budget, int ipv6, int tagged)
{
	size_t	 hdr;

	if (setting == MSSCLAMP_OFF)
		return (0);
	if (setting != MSSCLAMP_AUTO)
		return (setting > UINT16_MAX ? UINT16_MAX : (uint16_t)setting);
	if (budget == 0)
		return (0);
	hdr = ETHER_HDR_LEN + (tagged ? ETHER_VLAN_LEN : 0) +
	    (ipv6 ? IP6_HDRLEN : IP4_HDRLEN) + TCP_HDRLEN;
	if (budget < hdr + MSSCLAMP_MIN)
		return (MSSCLAMP_MIN);
	if (budget - hdr > UINT16_MAX)
		return (UINT16_MAX);
	return ((uint16_t)(budget - hdr));
}

/*
 * RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m').  The checksum's 16-bit words
 * are aligned to the TCP header (the pseudo-header is of even length): a
 * value at an odd offset from it adds byte-swapped, and one's complement
 * addition commutes with the swap.
 */
void
mssclamp_apply(uint8_t *f, const struct mssclamp_edit *e, uint16_t mss)
{
	uint32_t	 sum;
	uint16_t	 m, mn;

	m = get16(f + e->mss_off);
	mn = mss;
	if ((e->mss_off - e->tcp_off) & 1) {
		m = (uint16_t)(m << 8 | m >> 8);
		mn = (uint16_t)(mn << 8 | mn >> 8);
	}
	sum = (uint16_t)~get16(f + e->csum_off);
	sum += (uint16_t)~m;
	sum += mn;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	put16(f + e->mss_off, mss);
	put16(f + e->csum_off, (uint16_t)~sum);
}

enum mssclamp_result
mssclamp_frame(uint8_t *f, size_t len, uint32_t setting, size_t budget)
{
	struct mssclamp_edit	 e;
	enum mssclamp_result	 r;
	uint16_t		 lim;

	if (setting == MSSCLAMP_OFF)
		return (MSSCLAMP_NONE);
	if ((r = mssclamp_find(f, len, &e)) != MSSCLAMP_UNCHANGED)
		return (r);
	if ((lim = mssclamp_limit(setting, budget, e.ipv6, e.tagged)) == 0)
		return (MSSCLAMP_NONE);
	if (e.mss <= lim)
		return (MSSCLAMP_UNCHANGED);
	mssclamp_apply(f, &e, lim);
	return (MSSCLAMP_CLAMPED);
}

/* N of "mss-clamp N". */
int
mssclamp_setting_valid(long long v)
{
	return (v >= MSSCLAMP_MIN && v <= MSSCLAMP_MAX);
}

const char *
mssclamp_result_name(enum mssclamp_result r)
{
	if ((unsigned int)r >= MSSCLAMP_RESULT_MAX)
		return ("unknown");
	return (result_names[r]);
}

void
mssclamp_count(struct mssclamp_counters *c, enum mssclamp_result r)
{
	if (r != MSSCLAMP_NONE && (unsigned int)r < MSSCLAMP_RESULT_MAX)
		c->n[r]++;
}

/* "mss-clamped", "mss-unchanged", ...: every result but none. */
size_t
mssclamp_counters_export(const struct mssclamp_counters *c,
    struct wiremsg_counter *out, size_t max)
{
	char		 name[WIREMSG_COUNTER_NAME_MAX + 1];
	unsigned int	 r;
	size_t		 n = 0;

	for (r = MSSCLAMP_NONE + 1; r < MSSCLAMP_RESULT_MAX; r++) {
		snprintf(name, sizeof(name), "mss-%s",
		    mssclamp_result_name((enum mssclamp_result)r));
		wiremsg_counter_put(out, max, &n, name, c->n[r]);
	}
	return (n);
}
