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

#include <string.h>

#include "ether.h"

/* Rotating buffers of ether_mac_str(): a few calls may share one printf. */
#define ETHER_MAC_STR_NBUF	4

static int	hexval(int);
static uint16_t	get16(const uint8_t *);

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)((p[0] << 8) | p[1]));
}

/*
 * Parse the Ethernet header of frame (len bytes, no FCS).  One 802.1Q or
 * 802.1ad tag is looked through: ethertype is then the type behind it.
 * Returns 0, or -1 when frame is shorter than its header (14 bytes, 18
 * when tagged); ef is zeroed first in both cases.
 */
int
ether_parse(const uint8_t *frame, size_t len, struct ether_frame *ef)
{
	uint16_t	 type;

	memset(ef, 0, sizeof(*ef));
	if (frame == NULL || len < ETHER_HDR_LEN)
		return (-1);

	memcpy(ef->dst.octet, frame, ETHER_ADDR_LEN);
	memcpy(ef->src.octet, frame + ETHER_ADDR_LEN, ETHER_ADDR_LEN);
	type = get16(frame + 2 * ETHER_ADDR_LEN);
	ef->hdrlen = ETHER_HDR_LEN;

	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (len < ETHER_HDR_LEN + ETHER_VLAN_LEN) {
			memset(ef, 0, sizeof(*ef));
			return (-1);
		}
		ef->tagged = 1;
		ef->tci = get16(frame + ETHER_HDR_LEN);
		type = get16(frame + ETHER_HDR_LEN + 2);
		ef->hdrlen = ETHER_HDR_LEN + ETHER_VLAN_LEN;
	}

	ef->ethertype = type;
	ef->payload = frame + ef->hdrlen;
	ef->payloadlen = len - ef->hdrlen;
	return (0);
}

/*
 * Parse "xx:xx:xx:xx:xx:xx" (hex digits of either case; '-' may replace
 * every ':', but the two are not mixed).  Anything else, including
 * leading or trailing characters, is rejected: -1 and mac is left alone.
 */
int
ether_mac_parse(const char *s, struct ether_mac *mac)
{
	struct ether_mac	 m;
	size_t			 i;
	int			 hi, lo;
	char			 sep;

	if (s == NULL || strlen(s) != ETHER_MAC_STRLEN - 1)
		return (-1);
	sep = s[2];
	if (sep != ':' && sep != '-')
		return (-1);
	for (i = 0; i < ETHER_ADDR_LEN; i++) {
		hi = hexval((unsigned char)s[3 * i]);
		lo = hexval((unsigned char)s[3 * i + 1]);
		if (hi == -1 || lo == -1)
			return (-1);
		if (i < ETHER_ADDR_LEN - 1 && s[3 * i + 2] != sep)
			return (-1);
		m.octet[i] = (uint8_t)((hi << 4) | lo);
	}
	*mac = m;
	return (0);
}

/*
 * Write mac as lowercase "xx:xx:xx:xx:xx:xx" into buf.  Returns buf, or
 * NULL when len is smaller than ETHER_MAC_STRLEN (buf then holds "" if
 * it has room for anything at all).
 */
char *
ether_mac_format(const struct ether_mac *mac, char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	if (len < ETHER_MAC_STRLEN) {
		if (len > 0)
			buf[0] = '\0';
		return (NULL);
	}
	for (i = 0; i < ETHER_ADDR_LEN; i++) {
		buf[3 * i] = hex[mac->octet[i] >> 4];
		buf[3 * i + 1] = hex[mac->octet[i] & 0x0f];
		buf[3 * i + 2] = (i < ETHER_ADDR_LEN - 1) ? ':' : '\0';
	}
	return (buf);
}

/*
 * ether_mac_format() into one of a few static buffers, for log lines.
 * Up to ETHER_MAC_STR_NBUF results may be used at the same time.
 */
const char *
ether_mac_str(const struct ether_mac *mac)
{
	static char	 bufs[ETHER_MAC_STR_NBUF][ETHER_MAC_STRLEN];
	static size_t	 next;
	char		*buf;

	buf = bufs[next];
	next = (next + 1) % ETHER_MAC_STR_NBUF;
	ether_mac_format(mac, buf, ETHER_MAC_STRLEN);
	return (buf);
}

int
ether_mac_eq(const struct ether_mac *a, const struct ether_mac *b)
{
	return (memcmp(a->octet, b->octet, ETHER_ADDR_LEN) == 0);
}

int
ether_mac_is_zero(const struct ether_mac *mac)
{
	size_t	 i;

	for (i = 0; i < ETHER_ADDR_LEN; i++)
		if (mac->octet[i] != 0)
			return (0);
	return (1);
}

/* The I/G bit: group (multicast or broadcast) address. */
int
ether_mac_is_multicast(const struct ether_mac *mac)
{
	return ((mac->octet[0] & 0x01) != 0);
}

int
ether_mac_is_broadcast(const struct ether_mac *mac)
{
	size_t	 i;

	for (i = 0; i < ETHER_ADDR_LEN; i++)
		if (mac->octet[i] != 0xff)
			return (0);
	return (1);
}

/* The U/L bit: locally administered address. */
int
ether_mac_is_local(const struct ether_mac *mac)
{
	return ((mac->octet[0] & 0x02) != 0);
}

/* A MAC a station may use as its own: non-zero and individual. */
int
ether_mac_valid_unicast(const struct ether_mac *mac)
{
	return (!ether_mac_is_zero(mac) && !ether_mac_is_multicast(mac));
}

/* A client's virtual MAC: valid unicast and locally administered. */
int
ether_mac_valid_client(const struct ether_mac *mac)
{
	return (ether_mac_valid_unicast(mac) && ether_mac_is_local(mac));
}
