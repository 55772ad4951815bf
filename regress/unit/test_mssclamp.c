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
 * common/mssclamp.c: TCP MSS clamping of SYN and SYN-ACK frames.  Every
 * frame is built here, and every checksum checked here, by a full
 * recomputation over the pseudo-header and the segment that shares no
 * code with the incremental update under test.  Malformed and truncated
 * frames are handed over in buffers of their exact length, so that the
 * sanitizer run catches any read past the end.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "mssclamp.h"
#include "wiremsg.h"

#define SYN	0x02
#define ACK	0x10

/* A frame to build. */
struct fb {
	uint16_t	 tag;		/* 0, 0x8100 or 0x88a8 */
	int		 v6;
	size_t		 ipopt;		/* IPv4 option bytes, multiple of 4 */
	uint8_t		 flags;
	const uint8_t	*opts;		/* TCP options */
	size_t		 optlen;	/* padded to 4 with EOL */
	size_t		 payload;
	uint16_t	 fragoff;	/* IPv4 flags and offset field */
	const uint8_t	*ext;		/* IPv6 extension headers */
	size_t		 extlen;
	uint8_t		 ext_nh;	/* the first extension header's type */
};

/* Linux's SYN: MSS 1460, SACK permitted, timestamps, NOP, wscale 7. */
static const uint8_t linux_opts[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
	0, 0, 0, 0, 1, 3, 3, 7
};

static void
w16(uint8_t *p, unsigned int v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static unsigned int
r16(const uint8_t *p)
{
	return ((unsigned int)p[0] << 8 | p[1]);
}

/* One's complement sum of bytes, as 16-bit big-endian words. */
static uint32_t
ocsum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (sum);
}

/*
 * The independent parser: where the IP header and the TCP segment of a
 * frame we built are, and the folded sum over pseudo-header and segment
 * (0xffff when the checksum is right).  The segment's protocol is TCP.
 */
static uint32_t
full_sum(const uint8_t *f, size_t len)
{
	uint8_t		 ph[40];
	size_t		 l3 = 14, l4, seglen;
	unsigned int	 type = r16(f + 12);
	uint32_t	 sum;

	if (type == 0x8100 || type == 0x88a8) {
		type = r16(f + 16);
		l3 = 18;
	}
	if (type == 0x0800) {
		l4 = l3 + (f[l3] & 0x0f) * 4;
		seglen = r16(f + l3 + 2) - (l4 - l3);
		memcpy(ph, f + l3 + 12, 8);
		ph[8] = 0;
		ph[9] = 6;
		w16(ph + 10, (unsigned int)seglen);
		sum = ocsum(0, ph, 12);
	} else {
		l4 = l3 + 40;
		seglen = r16(f + l3 + 4);
		memcpy(ph, f + l3 + 8, 32);
		memset(ph + 32, 0, 8);
		w16(ph + 34, (unsigned int)seglen);
		ph[39] = 6;
		sum = ocsum(0, ph, 40);
	}
	cr_assert_leq(l4 + seglen, len);
	return (ocsum(sum, f + l4, seglen));
}

static size_t
tcp_offset(const uint8_t *f)
{
	size_t		 l3 = 14;
	unsigned int	 type = r16(f + 12);

	if (type == 0x8100 || type == 0x88a8) {
		type = r16(f + 16);
		l3 = 18;
	}
	if (type == 0x0800)
		return (l3 + (f[l3] & 0x0f) * 4);
	return (l3 + 40);
}

/* The MSS value of a frame we built, by a walk of our own; -1: none. */
static long
mss_of(const uint8_t *f)
{
	size_t	 l4 = tcp_offset(f), i, end;

	end = l4 + (f[l4 + 12] >> 4) * 4;
	for (i = l4 + 20; i < end; ) {
		if (f[i] == 0)
			break;
		if (f[i] == 1) {
			i++;
			continue;
		}
		if (f[i] == 2)
			return ((long)r16(f + i + 2));
		i += f[i + 1];
	}
	return (-1);
}

/* Build a frame into buf (2048 bytes) with a correct TCP checksum. */
static size_t
build(const struct fb *b, uint8_t *buf)
{
	size_t		 l3 = 14, l4, optpad, seglen, iplen, i;
	uint32_t	 sum;

	memset(buf, 0, 2048);
	memcpy(buf, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	if (b->tag) {
		w16(buf + 12, b->tag);
		w16(buf + 14, 0x0064);	/* VLAN 100 */
		l3 = 18;
	}
	w16(buf + l3 - 2, b->v6 ? 0x86dd : 0x0800);
	optpad = (b->optlen + 3) & ~(size_t)3;
	seglen = 20 + optpad + b->payload;
	if (!b->v6) {
		l4 = l3 + 20 + b->ipopt;
		iplen = 20 + b->ipopt + seglen;
		buf[l3] = 0x40 | (uint8_t)((20 + b->ipopt) / 4);
		w16(buf + l3 + 2, (unsigned int)iplen);
		w16(buf + l3 + 4, 0x1234);
		w16(buf + l3 + 6, b->fragoff);
		buf[l3 + 8] = 64;
		buf[l3 + 9] = 6;
		memcpy(buf + l3 + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
		for (i = 0; i < b->ipopt; i++)
			buf[l3 + 20 + i] = 1;	/* IPOPT_NOP */
		sum = ocsum(0, buf + l3, 20 + b->ipopt);
		w16(buf + l3 + 10, ~sum & 0xffff);
	} else {
		l4 = l3 + 40 + b->extlen;
		iplen = 40 + b->extlen + seglen;
		buf[l3] = 0x60;
		w16(buf + l3 + 4, (unsigned int)(b->extlen + seglen));
		buf[l3 + 6] = b->extlen ? b->ext_nh : 6;
		buf[l3 + 7] = 64;
		memcpy(buf + l3 + 8, "\x20\x01\x0d\xb8\x00\x00\x00\x00"
		    "\x00\x00\x00\x00\x00\x00\x00\x01", 16);
		memcpy(buf + l3 + 24, "\x20\x01\x0d\xb8\x00\x00\x00\x00"
		    "\x00\x00\x00\x00\x00\x00\x00\x02", 16);
		if (b->extlen)
			memcpy(buf + l3 + 40, b->ext, b->extlen);
	}
	cr_assert_leq(l3 + iplen, 2048);
	w16(buf + l4, 40000);
	w16(buf + l4 + 2, 80);
	memcpy(buf + l4 + 4, "\xde\xad\xbe\xef\x00\x00\x00\x00", 8);
	buf[l4 + 12] = (uint8_t)(((20 + optpad) / 4) << 4);
	buf[l4 + 13] = b->flags;
	w16(buf + l4 + 14, 64240);
	if (b->optlen)
		memcpy(buf + l4 + 20, b->opts, b->optlen);
	for (i = 0; i < b->payload; i++)
		buf[l4 + 20 + optpad + i] = (uint8_t)(i * 7 + 3);
	if (!b->v6 || b->extlen == 0) {
		/* The checksum field is 0 here: the sum is over the rest. */
		w16(buf + l4 + 16, 0);
		sum = full_sum(buf, l3 + iplen);
		w16(buf + l4 + 16, ~sum & 0xffff);
		cr_assert_eq(full_sum(buf, l3 + iplen), 0xffff);
	}
	return (l3 + iplen);
}

/* mssclamp_frame() on an exact-size copy; the copy is returned in out. */
static enum mssclamp_result
run(const uint8_t *f, size_t len, uint32_t setting, size_t budget,
    uint8_t *out)
{
	enum mssclamp_result	 r;
	uint8_t			*p;

	p = malloc(len ? len : 1);
	cr_assert_not_null(p);
	memcpy(p, f, len);
	r = mssclamp_frame(p, len, setting, budget);
	if (out != NULL)
		memcpy(out, p, len);
	free(p);
	return (r);
}

/* Clamp a well-formed frame to lim and check everything about it. */
static void
expect_clamped(const struct fb *b, uint16_t lim)
{
	uint8_t		 f[2048], g[2048];
	size_t		 len, i, l4;

	len = build(b, f);
	cr_assert_eq(run(f, len, lim, 0, g), MSSCLAMP_CLAMPED,
	    "tag %#x v6 %d flags %#x", b->tag, b->v6, b->flags);
	cr_expect_eq(mss_of(g), lim);
	cr_expect_eq(full_sum(g, len), 0xffff, "checksum after clamping");
	/* Nothing else moved: only the MSS value and the checksum. */
	l4 = tcp_offset(f);
	for (i = 0; i < len; i++) {
		if (i == l4 + 16 || i == l4 + 17)
			continue;
		if (f[i] != g[i]) {
			cr_expect(mss_of(f) != mss_of(g), "byte %zu", i);
		}
	}
	cr_expect_eq(memcmp(f, g, l4 + 16), 0);
}

static const uint8_t mss_only[] = { 2, 4, 0x05, 0xb4 };

Test(mssclamp, syn_synack_v4_v6_tags)
{
	static const uint16_t	 tags[] = { 0, 0x8100, 0x88a8 };
	static const uint8_t	 flags[] = { SYN, SYN | ACK };
	struct fb		 b;
	size_t			 t, fl, v;

	for (t = 0; t < nitems(tags); t++)
		for (fl = 0; fl < nitems(flags); fl++)
			for (v = 0; v < 2; v++) {
				memset(&b, 0, sizeof(b));
				b.tag = tags[t];
				b.flags = flags[fl];
				b.v6 = (int)v;
				b.opts = mss_only;
				b.optlen = sizeof(mss_only);
				expect_clamped(&b, 1200);
				b.opts = linux_opts;
				b.optlen = sizeof(linux_opts);
				expect_clamped(&b, 1113);
			}
}

Test(mssclamp, options_around_the_mss)
{
	/* MSS at an odd offset from the TCP header, after NOPs. */
	static const uint8_t odd[] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 1 };
	/* Timestamps, SACK permitted, window scale first, MSS last. */
	static const uint8_t last[] = {
		1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 4, 2, 1, 3, 3, 14,
		2, 4, 0x23, 0x28
	};
	/* Windows': MSS, NOP, wscale 8, NOP, NOP, SACK permitted. */
	static const uint8_t win[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1,
	    4, 2 };
	/* MSS at an odd offset, then an EOL. */
	static const uint8_t odd_eol[] = { 1, 1, 1, 2, 4, 0xff, 0xff, 0 };
	struct fb		 b;

	memset(&b, 0, sizeof(b));
	b.flags = SYN;
	b.opts = odd;
	b.optlen = sizeof(odd);
	expect_clamped(&b, 1113);
	b.v6 = 1;
	expect_clamped(&b, 1093);
	b.opts = last;
	b.optlen = sizeof(last);
	expect_clamped(&b, 1000);
	b.v6 = 0;
	b.tag = 0x8100;
	expect_clamped(&b, 1109);
	b.opts = win;
	b.optlen = sizeof(win);
	expect_clamped(&b, 1300);
	b.opts = odd_eol;
	b.optlen = sizeof(odd_eol);
	expect_clamped(&b, 536);
	/* IPv4 options (any IHL) and a payload (TCP Fast Open). */
	b.tag = 0;
	b.ipopt = 40;
	b.payload = 1000;
	expect_clamped(&b, 1113);
}

/*
 * MSS values from 5 to 65535 (a step that visits many checksum values),
 * at even and odd offsets, to limits below it: the checksum of each
 * rewritten frame is checked by recomputation.
 */
Test(mssclamp, checksum_sweep)
{
	uint8_t		 opts[8], f[2048], g[2048];
	struct fb	 b;
	size_t		 len;
	unsigned int	 m, pad, n = 0;
	uint16_t	 lim;

	for (pad = 0; pad < 4; pad++)
		for (m = 5; m <= 65535; m += 97) {
			memset(opts, 1, sizeof(opts));
			opts[pad] = 2;
			opts[pad + 1] = 4;
			w16(opts + pad + 2, m);
			memset(&b, 0, sizeof(b));
			b.flags = SYN | (m & 1 ? ACK : 0);
			b.v6 = (m / 97) & 1;
			b.tag = (m / 194) & 1 ? 0x8100 : 0;
			b.opts = opts;
			b.optlen = sizeof(opts);
			b.payload = m % 5;	/* odd segment lengths too */
			len = build(&b, f);
			lim = (uint16_t)(m / 2 + (m % 3));
			if (lim >= m)
				lim = (uint16_t)(m - 1);
			if (lim < 2)	/* 0 and 1 are "no" and "auto" */
				lim = 2;
			cr_assert_eq(run(f, len, lim, 0, g), MSSCLAMP_CLAMPED);
			cr_assert_eq(mss_of(g), lim);
			cr_assert_eq(full_sum(g, len), 0xffff,
			    "mss %u -> %u pad %u", m, lim, pad);
			n++;
		}
	cr_expect_gt(n, 2000);
}

Test(mssclamp, already_small_and_equal)
{
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 len;

	memset(&b, 0, sizeof(b));
	b.flags = SYN | ACK;
	b.opts = linux_opts;
	b.optlen = sizeof(linux_opts);
	len = build(&b, f);
	cr_expect_eq(run(f, len, 1460, 0, g), MSSCLAMP_UNCHANGED);
	cr_expect_eq(memcmp(f, g, len), 0);
	cr_expect_eq(run(f, len, MSSCLAMP_AUTO, 1514, g), MSSCLAMP_UNCHANGED);
	cr_expect_eq(memcmp(f, g, len), 0);
	cr_expect_eq(run(f, len, 1459, 0, g), MSSCLAMP_CLAMPED);
	cr_expect_eq(mss_of(g), 1459);
}

Test(mssclamp, no_mss_option)
{
	static const uint8_t	 nomss[] = { 1, 1, 4, 2, 1, 3, 3, 7 };
	/* An MSS after EOL is padding, not an option. */
	static const uint8_t	 after_eol[] = { 1, 0, 2, 4, 0x05, 0xb4 };
	uint8_t			 f[2048], g[2048];
	struct fb		 b;
	size_t			 len;

	memset(&b, 0, sizeof(b));
	b.flags = SYN;
	len = build(&b, f);	/* no options at all */
	cr_expect_eq(run(f, len, 1000, 0, g), MSSCLAMP_NO_OPTION);
	cr_expect_eq(memcmp(f, g, len), 0);
	b.opts = nomss;
	b.optlen = sizeof(nomss);
	b.v6 = 1;
	len = build(&b, f);
	cr_expect_eq(run(f, len, 1000, 0, g), MSSCLAMP_NO_OPTION);
	cr_expect_eq(memcmp(f, g, len), 0);
	b.opts = after_eol;
	b.optlen = sizeof(after_eol);
	len = build(&b, f);
	cr_expect_eq(run(f, len, 1000, 0, g), MSSCLAMP_NO_OPTION);
	cr_expect_eq(memcmp(f, g, len), 0);
}

Test(mssclamp, malformed_options)
{
	static const struct {
		const char	*what;
		uint8_t		 o[12];
		size_t		 n;
	} bad[] = {
		{ "length past the header", { 1, 1, 8, 10, 0, 0, 0, 0 }, 8 },
		{ "length 0", { 3, 0, 2, 4, 5, 0xb4, 1, 1 }, 8 },
		{ "length 1", { 3, 1, 2, 4, 5, 0xb4, 1, 1 }, 8 },
		{ "MSS length 3", { 2, 3, 5, 0xb4 }, 4 },
		{ "MSS length 5", { 2, 5, 5, 0xb4, 0, 1, 1, 1 }, 8 },
		{ "MSS cut by the header", { 1, 1, 2, 4 }, 4 },
		{ "kind without length", { 1, 1, 1, 2 }, 4 },
		{ "two MSS", { 2, 4, 5, 0xb4, 2, 4, 5, 0xb4 }, 8 },
		{ "bad option after MSS", { 2, 4, 5, 0xb4, 8, 12, 0, 0 }, 8 },
	};
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 i, len, v;

	for (v = 0; v < 2; v++)
		for (i = 0; i < nitems(bad); i++) {
			memset(&b, 0, sizeof(b));
			b.v6 = (int)v;
			b.flags = SYN;
			b.opts = bad[i].o;
			b.optlen = bad[i].n;
			len = build(&b, f);
			cr_expect_eq(run(f, len, 536, 0, g),
			    MSSCLAMP_MALFORMED, "%s", bad[i].what);
			cr_expect_eq(memcmp(f, g, len), 0, "%s", bad[i].what);
		}
}

/* One field spoiled in a good frame: left alone, counted malformed. */
Test(mssclamp, malformed_headers)
{
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 len, l4;

	memset(&b, 0, sizeof(b));
	b.flags = SYN;
	b.opts = linux_opts;
	b.optlen = sizeof(linux_opts);
#define SPOIL(stmt, what) do {						\
	len = build(&b, f);						\
	l4 = tcp_offset(f);						\
	(void)l4;							\
	stmt;								\
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_MALFORMED, what);	\
	cr_expect_eq(memcmp(f, g, len), 0, what);			\
} while (0)
	SPOIL(f[14] = 0x44, "IPv4 IHL 4");
	SPOIL(f[14] = 0x55, "IPv4 version 5");
	SPOIL(f[14] = 0x4f, "IPv4 IHL past total length");
	SPOIL(w16(f + 16, (unsigned int)len), "IPv4 total length > frame");
	SPOIL(w16(f + 16, 19), "IPv4 total length < IHL");
	SPOIL(f[l4 + 12] = 0x40, "TCP data offset 4");
	SPOIL(f[l4 + 12] = 0xf0, "TCP data offset past the packet");
	SPOIL(len = 14 + 10, "IPv4 header cut");
	SPOIL(len = l4 + 19, "TCP header cut");
	SPOIL(len = l4 + 30, "options cut");
	b.v6 = 1;
	SPOIL(f[14] = 0x40, "IPv6 version 4");
	SPOIL(w16(f + 18, 2000), "IPv6 payload length > frame");
	SPOIL(len = 14 + 39, "IPv6 header cut");
	SPOIL(len = l4 + 12, "IPv6 TCP header cut");
	SPOIL(f[l4 + 12] = 0x30, "IPv6 TCP data offset 3");
	b.tag = 0x8100;
	SPOIL(len = 18 + 30, "tagged IPv6 header cut");
#undef SPOIL
}

/* Every prefix of good frames: no read past the end (ASan), no write. */
Test(mssclamp, every_truncation)
{
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 len, n, v, t;
	enum mssclamp_result r;

	for (v = 0; v < 2; v++)
		for (t = 0; t < 2; t++) {
			memset(&b, 0, sizeof(b));
			b.v6 = (int)v;
			b.tag = t ? 0x88a8 : 0;
			b.flags = SYN;
			b.opts = linux_opts;
			b.optlen = sizeof(linux_opts);
			len = build(&b, f);
			for (n = 0; n < len; n++) {
				r = run(f, n, 536, 0, g);
				cr_expect(r == MSSCLAMP_NONE ||
				    r == MSSCLAMP_MALFORMED, "len %zu: %d",
				    n, r);
				cr_expect_eq(memcmp(f, g, n), 0);
			}
			cr_expect_eq(run(f, len, 536, 0, g),
			    MSSCLAMP_CLAMPED);
		}
}

/* Random bytes behind good headers: never a crash, never a bad sum. */
Test(mssclamp, random_options)
{
	uint8_t		 opts[40], f[2048], g[2048];
	struct fb	 b;
	size_t		 len, i, k;
	enum mssclamp_result r;
	uint32_t	 x = 12345;

	for (i = 0; i < 20000; i++) {
		for (k = 0; k < sizeof(opts); k++) {
			x = x * 1103515245 + 12345;
			/* Mostly small kinds, some of any value. */
			opts[k] = (uint8_t)(x >> 16) % 12;
			if ((x >> 8) % 7 == 0)
				opts[k] = (uint8_t)(x >> 20);
		}
		memset(&b, 0, sizeof(b));
		b.v6 = i & 1;
		b.flags = SYN;
		b.opts = opts;
		b.optlen = 4 * ((i / 2) % 11);
		len = build(&b, f);
		r = run(f, len, 536, 0, g);
		if (r == MSSCLAMP_CLAMPED) {
			cr_assert_eq(mss_of(g), 536);
			cr_assert_eq(full_sum(g, len), 0xffff);
		} else
			cr_assert_eq(memcmp(f, g, len), 0);
	}
}

Test(mssclamp, ipv4_fragments)
{
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 len;

	memset(&b, 0, sizeof(b));
	b.flags = SYN;
	b.opts = linux_opts;
	b.optlen = sizeof(linux_opts);
	b.fragoff = 0x2000;	/* first fragment: MF, offset 0 */
	expect_clamped(&b, 1113);
	b.fragoff = 0x4000;	/* DF */
	expect_clamped(&b, 1113);
	b.fragoff = 0x2000 | 185;	/* a later fragment: no TCP header */
	len = build(&b, f);
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_NONE);
	cr_expect_eq(memcmp(f, g, len), 0);
	b.fragoff = 1;
	len = build(&b, f);
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_NONE);
	/* A first fragment too short for the TCP header. */
	b.fragoff = 0x2000;
	b.opts = NULL;
	b.optlen = 0;
	len = build(&b, f);
	w16(f + 16, 20 + 16);
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_MALFORMED);
	cr_expect_eq(memcmp(f, g, len), 0);
}

Test(mssclamp, ipv6_extension_headers)
{
	/* Hop-by-hop (8 bytes: PadN) then TCP. */
	static const uint8_t hbh_tcp[] = { 6, 0, 1, 4, 0, 0, 0, 0 };
	/* Destination options then UDP. */
	static const uint8_t dst_udp[] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	/* A fragment header, offset 0, then TCP; and a later fragment. */
	static const uint8_t frag0_tcp[] = { 6, 0, 0, 1, 0, 0, 0, 9 };
	static const uint8_t frag1_tcp[] = { 6, 0, 0, 0x81, 0, 0, 0, 9 };
	/* Hop-by-hop that claims 16 bytes in an 8-byte payload. */
	static const uint8_t hbh_long[] = { 6, 1, 1, 4, 0, 0, 0, 0 };
	static const struct {
		const char		*what;
		const uint8_t		*ext;
		uint8_t			 nh;
		uint8_t			 flags;
		enum mssclamp_result	 want;
	} cases[] = {
		{ "hop-by-hop, SYN", hbh_tcp, 0, SYN,
		    MSSCLAMP_IPV6_EXTHDR },
		{ "hop-by-hop, SYN-ACK", hbh_tcp, 0, SYN | ACK,
		    MSSCLAMP_IPV6_EXTHDR },
		{ "hop-by-hop, ACK", hbh_tcp, 0, ACK, MSSCLAMP_NONE },
		{ "destination options, UDP", dst_udp, 60, SYN,
		    MSSCLAMP_NONE },
		{ "first fragment", frag0_tcp, 44, SYN,
		    MSSCLAMP_IPV6_EXTHDR },
		{ "later fragment", frag1_tcp, 44, SYN, MSSCLAMP_NONE },
		{ "extension header too long", hbh_long, 0, SYN,
		    MSSCLAMP_MALFORMED },
	};
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 len, i;

	for (i = 0; i < nitems(cases); i++) {
		memset(&b, 0, sizeof(b));
		b.v6 = 1;
		b.flags = cases[i].flags;
		b.opts = mss_only;
		b.optlen = sizeof(mss_only);
		b.ext = cases[i].ext;
		b.extlen = 8;
		b.ext_nh = cases[i].nh;
		len = build(&b, f);
		if (cases[i].want == MSSCLAMP_MALFORMED)
			len = 14 + 40 + 8;	/* the TCP header is gone */
		if (cases[i].want == MSSCLAMP_MALFORMED)
			w16(f + 18, 8);
		cr_expect_eq(run(f, len, 536, 0, g), cases[i].want, "%s",
		    cases[i].what);
		cr_expect_eq(memcmp(f, g, len), 0, "%s", cases[i].what);
	}
}

Test(mssclamp, not_a_syn)
{
	static const uint8_t	 flags[] = { 0, ACK, ACK | 0x08, 0x01, 0x04 };
	uint8_t			 f[2048], g[2048];
	struct fb		 b;
	size_t			 len, i;

	for (i = 0; i < nitems(flags); i++) {
		memset(&b, 0, sizeof(b));
		b.flags = flags[i];
		b.opts = mss_only;	/* an MSS option, but no SYN */
		b.optlen = sizeof(mss_only);
		b.v6 = i & 1;
		len = build(&b, f);
		cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_NONE);
		cr_expect_eq(memcmp(f, g, len), 0);
	}
	/* UDP, ARP, two VLAN tags, a runt. */
	memset(&b, 0, sizeof(b));
	b.flags = SYN;
	b.opts = mss_only;
	b.optlen = sizeof(mss_only);
	len = build(&b, f);
	f[14 + 9] = 17;
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_NONE);
	len = build(&b, f);
	w16(f + 12, 0x0806);
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_NONE);
	b.tag = 0x88a8;
	len = build(&b, f);
	w16(f + 16, 0x8100);
	cr_expect_eq(run(f, len, 536, 0, g), MSSCLAMP_NONE);
	cr_expect_eq(memcmp(f, g, len), 0);
	cr_expect_eq(run(f, 13, 536, 0, g), MSSCLAMP_NONE);
	cr_expect_eq(run(f, 0, 536, 0, g), MSSCLAMP_NONE);
	/* The setting "no": nothing looked at. */
	b.tag = 0;
	len = build(&b, f);
	cr_expect_eq(run(f, len, MSSCLAMP_OFF, 1167, g), MSSCLAMP_NONE);
	cr_expect_eq(memcmp(f, g, len), 0);
}

/* Ethernet padding after a short IPv4 packet does not count. */
Test(mssclamp, ethernet_padding)
{
	uint8_t		 f[2048], g[2048];
	struct fb	 b;
	size_t		 len;

	memset(&b, 0, sizeof(b));
	b.flags = SYN;
	b.opts = mss_only;
	b.optlen = sizeof(mss_only);
	len = build(&b, f);
	cr_assert_eq(len, 58);
	memset(f + len, 0xee, 2);
	cr_expect_eq(run(f, 60, 1000, 0, g), MSSCLAMP_CLAMPED);
	cr_expect_eq(full_sum(g, 60), 0xffff);
	cr_expect_eq(g[58], 0xee);
}

/*
 * auto: the largest MSS whose full-size segment's frame (no TCP options:
 * the sender takes them off the MSS) is exactly the budget.
 */
Test(mssclamp, auto_limit)
{
	static const size_t	 budgets[] = { 1167, 1199, 1271, 1439, 1514,
	    1600 };
	uint8_t			 f[2048], g[2048];
	struct fb		 b;
	size_t			 i, len, v, t;
	uint16_t		 lim;

	cr_expect_eq(mssclamp_limit(MSSCLAMP_AUTO, 1167, 0, 0), 1113);
	cr_expect_eq(mssclamp_limit(MSSCLAMP_AUTO, 1167, 0, 1), 1109);
	cr_expect_eq(mssclamp_limit(MSSCLAMP_AUTO, 1167, 1, 0), 1093);
	cr_expect_eq(mssclamp_limit(MSSCLAMP_AUTO, 1167, 1, 1), 1089);
	cr_expect_eq(mssclamp_limit(MSSCLAMP_AUTO, 0, 0, 0), 0);
	cr_expect_eq(mssclamp_limit(MSSCLAMP_AUTO, 300, 0, 0), MSSCLAMP_MIN);
	cr_expect_eq(mssclamp_limit(MSSCLAMP_OFF, 1167, 0, 0), 0);
	cr_expect_eq(mssclamp_limit(1300, 1167, 1, 1), 1300);
	for (i = 0; i < nitems(budgets); i++)
		for (v = 0; v < 2; v++)
			for (t = 0; t < 2; t++) {
				lim = mssclamp_limit(MSSCLAMP_AUTO,
				    budgets[i], (int)v, (int)t);
				memset(&b, 0, sizeof(b));
				b.v6 = (int)v;
				b.tag = t ? 0x8100 : 0;
				b.flags = 0;
				b.payload = lim;
				cr_expect_eq(build(&b, f), budgets[i],
				    "budget %zu v6 %zu tag %zu", budgets[i],
				    v, t);
				b.flags = SYN;
				b.payload = 0;
				b.opts = mss_only;
				b.optlen = sizeof(mss_only);
				len = build(&b, f);
				cr_expect_eq(run(f, len, MSSCLAMP_AUTO,
				    budgets[i], g), lim < 1460 ?
				    MSSCLAMP_CLAMPED : MSSCLAMP_UNCHANGED);
				cr_expect_eq(mss_of(g), lim < 1460 ? lim :
				    1460);
				cr_expect_eq(full_sum(g, len), 0xffff);
			}
	/* Not connected (no budget): nothing to do. */
	cr_expect_eq(run(f, len, MSSCLAMP_AUTO, 0, g), MSSCLAMP_NONE);
	cr_expect(mssclamp_setting_valid(536));
	cr_expect(mssclamp_setting_valid(1460));
	cr_expect(!mssclamp_setting_valid(535));
	cr_expect(!mssclamp_setting_valid(1461));
}

Test(mssclamp, counters)
{
	struct mssclamp_counters c;
	struct wiremsg_counter	 out[8];
	size_t			 n;

	memset(&c, 0, sizeof(c));
	mssclamp_count(&c, MSSCLAMP_NONE);
	mssclamp_count(&c, MSSCLAMP_CLAMPED);
	mssclamp_count(&c, MSSCLAMP_CLAMPED);
	mssclamp_count(&c, MSSCLAMP_IPV6_EXTHDR);
	n = mssclamp_counters_export(&c, out, nitems(out));
	cr_assert_eq(n, 5);
	cr_expect_str_eq(out[0].name, "mss-clamped");
	cr_expect_eq(out[0].value, 2);
	cr_expect_str_eq(out[1].name, "mss-unchanged");
	cr_expect_str_eq(out[2].name, "mss-no-option");
	cr_expect_str_eq(out[3].name, "mss-skipped-malformed");
	cr_expect_str_eq(out[4].name, "mss-skipped-ipv6-exthdr");
	cr_expect_eq(out[4].value, 1);
	cr_expect_eq(mssclamp_counters_export(&c, out, 2), 2);
}
