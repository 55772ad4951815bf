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
 * bench_room: frames/s through the relay's room core (relayd/room.c
 * room_forward) for a room of one gateway and eight clients: unicast
 * client to gateway, unicast gateway to client, broadcast from a client
 * (fan-out 8); and the overlay fragmentation path (common/overlay.c
 * encode, copy and reassemble of 1514-byte frames at a frame budget of
 * 1167).  Each line runs at least MINFRAMES frames and about SECONDS.
 *
 * Allocations are counted (after one warm-up frame) by wrapping malloc, calloc and realloc at link
 * time (-Wl,--wrap, see suite.mk): every call from the static library
 * goes through the counters below.  RSS is read from /proc/self/statm
 * before and after.  Exit status 1 when a frame is not forwarded where
 * it should go or a reassembled frame is wrong.
 */

#include <sys/types.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "wiremsg.h"
#include "ether.h"
#include "log.h"
#include "overlay.h"
#include "../../relayd/room.h"

#define NCLIENTS	8
#define FRAMELEN	1514
#define BUDGET		1167
#define MINFRAMES	1000000
#define SECONDS		1
#define BATCH		4096
#define ROOM		"bench"
#define GWMAC		"00:1b:21:0a:0b:0c"
#define LANMAC		"00:1b:21:00:00:01"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

static uint64_t	 nalloc;

void *
__wrap_malloc(size_t size)
{
	nalloc++;
	return (__real_malloc(size));
}

void *
__wrap_calloc(size_t n, size_t size)
{
	nalloc++;
	return (__real_calloc(n, size));
}

void *
__wrap_realloc(void *p, size_t size)
{
	nalloc++;
	return (__real_realloc(p, size));
}

struct result {
	uint64_t	 frames;
	uint64_t	 copies;	/* egress copies (room) */
	uint64_t	 allocs;
	double		 secs;
};

static int	 failed;

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static long
rss_kb(void)
{
	FILE		*f;
	long		 size, res;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		err(1, "/proc/self/statm");
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		errx(1, "/proc/self/statm: unexpected format");
	fclose(f);
	return (res * (sysconf(_SC_PAGESIZE) / 1024));
}

static struct ether_mac
mac(const char *s)
{
	struct ether_mac	 m;

	if (ether_mac_parse(s, &m) == -1)
		errx(1, "bad MAC %s", s);
	return (m);
}

static struct peer *
join(struct relay *r, enum wiremsg_role role, const struct ether_mac *m)
{
	struct wiremsg_hello	 h;
	struct peer		*p = NULL;
	enum wiremsg_code	 code = WIREMSG_CODE_NONE;
	char			 reason[WIREMSG_REASON_MAX + 1] = "";

	memset(&h, 0, sizeof(h));
	h.proto = WIREMSG_PROTO;
	h.role = role;
	strlcpy(h.room, ROOM, sizeof(h.room));
	h.mac = *m;
	h.datagram_budget = BUDGET;
	strlcpy(h.software, "bench_room", sizeof(h.software));
	if (relay_admit(r, &h, 0, &p, &code, reason, sizeof(reason)) == -1)
		errx(1, "relay_admit: %s: %s", wiremsg_code_name(code),
		    reason);
	return (p);
}

/* An IPv4/UDP frame of FRAMELEN bytes (to port 9, discard). */
static void
mkframe(uint8_t *f, const struct ether_mac *dst, const struct ether_mac *src)
{
	uint16_t	 iplen = FRAMELEN - 14, udplen = FRAMELEN - 34;
	size_t		 i;

	for (i = 0; i < FRAMELEN; i++)
		f[i] = (uint8_t)i;
	memcpy(f, dst->octet, ETHER_ADDR_LEN);
	memcpy(f + 6, src->octet, ETHER_ADDR_LEN);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[15] = 0;
	f[16] = iplen >> 8;
	f[17] = iplen & 0xff;
	memset(f + 18, 0, 4);
	f[22] = 64;
	f[23] = 17;		/* UDP */
	f[24] = f[25] = 0;
	memcpy(f + 26, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
	f[34] = 0x30;
	f[35] = 0x39;		/* source port 12345 */
	f[36] = 0;
	f[37] = 9;
	f[38] = udplen >> 8;
	f[39] = udplen & 0xff;
	f[40] = f[41] = 0;
}

/* Forward frame from peer from until time is up; want nout copies each. */
static void
bench_forward(struct relay *r, struct peer *from, const uint8_t *frame,
    size_t want, struct peer *to, struct result *res)
{
	struct fwd_result	 fr;
	uint64_t		 start, elapsed, a0;
	size_t			 i;

	memset(res, 0, sizeof(*res));
	/* Warm up: a gateway's first frame learns its source (1 malloc). */
	room_forward(r, from, frame, FRAMELEN, 1000, &fr);
	a0 = nalloc;
	start = now_ns();
	do {
		for (i = 0; i < BATCH; i++) {
			room_forward(r, from, frame, FRAMELEN,
			    1000 + res->frames / 1000, &fr);
			if (fr.reason != FWD_OK || fr.nout != want ||
			    (to != NULL && fr.out[0] != to)) {
				warnx("room_forward: %s, %zu copies, want %zu",
				    fwd_reason_name(fr.reason), fr.nout, want);
				failed = 1;
				return;
			}
			res->frames++;
			res->copies += fr.nout;
		}
		elapsed = now_ns() - start;
	} while (res->frames < MINFRAMES || elapsed < SECONDS * 1000000000ULL);
	res->secs = (double)elapsed / 1e9;
	res->allocs = nalloc - a0;
}

/* Encode into fragments, flatten, reassemble; check every frame. */
static void
bench_overlay(const uint8_t *frame, struct result *res)
{
	struct ovl_tx		 tx;
	struct ovl_reasm	 ra;
	struct ovl_piece	 p[OVL_MAX_FRAGS];
	struct ovl_rx		 rx;
	uint8_t			 dg[BUDGET + 1];
	uint64_t		 start, elapsed, a0;
	size_t			 i, len;
	int			 n, j, rv;

	memset(res, 0, sizeof(*res));
	ovl_tx_init(&tx, 1);
	if (ovl_reasm_init(&ra, OVL_REASM_SLOTS, OVL_REASM_TIMEOUT_MS) == -1)
		errx(1, "ovl_reasm_init failed");
	a0 = nalloc;
	start = now_ns();
	do {
		for (i = 0; i < BATCH; i++) {
			n = ovl_encode(&tx, frame, FRAMELEN, BUDGET, p);
			if (n < 2) {
				warnx("ovl_encode: %d datagrams", n);
				failed = 1;
				goto out;
			}
			rv = OVL_RX_DROP;
			for (j = 0; j < n; j++) {
				len = ovl_piece_copy(&p[j], dg, sizeof(dg));
				rv = ovl_reasm_input(&ra, dg, len,
				    1000 + res->frames / 1000, &rx);
				if (rv == OVL_RX_DROP ||
				    (rv == OVL_RX_FRAME) != (j == n - 1))
					break;
			}
			if (rv != OVL_RX_FRAME || rx.len != FRAMELEN ||
			    rx.frame[FRAMELEN - 1] != frame[FRAMELEN - 1] ||
			    memcmp(rx.frame, frame, 42) != 0) {
				warnx("reassembly failed: %d, drop %s", rv,
				    ovl_drop_name(rx.drop));
				failed = 1;
				goto out;
			}
			res->frames++;
			res->copies += (uint64_t)n;
		}
		elapsed = now_ns() - start;
	} while (res->frames < MINFRAMES || elapsed < SECONDS * 1000000000ULL);
	res->secs = (double)elapsed / 1e9;
	res->allocs = nalloc - a0;
	/* One full check outside the timed loop. */
	if (memcmp(rx.frame, frame, FRAMELEN) != 0) {
		warnx("reassembled frame differs");
		failed = 1;
	}
 out:
	ovl_reasm_free(&ra);
}

static void
report(const char *name, const struct result *res, const char *copies)
{
	double	 rate;

	if (res->secs <= 0)
		return;
	rate = (double)res->frames / res->secs;
	printf("%-36s %.0f frames/s  %.0f ns/frame  %s%s%llu mallocs\n",
	    name, rate, 1e9 / rate, copies, copies[0] != '\0' ? "  " : "",
	    (unsigned long long)res->allocs);
	fprintf(stderr, "bench_room: %s: %llu frames in %.2f s, %llu "
	    "mallocs\n", name, (unsigned long long)res->frames, res->secs,
	    (unsigned long long)res->allocs);
}

int
main(void)
{
	struct relay_conf	 conf;
	struct relay		*r;
	struct peer		*gw, *cl[NCLIENTS];
	struct ether_mac	 gwmac, lanmac, cmac, bcast;
	struct result		 res;
	uint8_t			 uni[FRAMELEN], down[FRAMELEN];
	uint8_t			 bc[FRAMELEN];
	char			 errbuf[256], buf[64];
	long			 rss0, rss1;
	uint64_t		 total = 0;
	int			 i;

	log_init(1, 0);
	relay_conf_init(&conf);
	conf.open_rooms = 1;
	conf.bcast_rate = 0;	/* measure the path, not the limiter */
	if ((r = relay_new(&conf, errbuf, sizeof(errbuf))) == NULL)
		errx(1, "relay_new: %s", errbuf);
	gwmac = mac(GWMAC);
	lanmac = mac(LANMAC);
	bcast = mac("ff:ff:ff:ff:ff:ff");
	gw = join(r, WIREMSG_ROLE_GATEWAY, &gwmac);
	for (i = 0; i < NCLIENTS; i++) {
		cmac = mac("02:00:00:00:00:01");
		cmac.octet[5] = (uint8_t)(i + 1);
		cl[i] = join(r, WIREMSG_ROLE_CLIENT, &cmac);
	}
	/* The joins allocated: the wrappers are in place. */
	if (nalloc == 0)
		errx(1, "malloc is not wrapped: allocations not counted");
	mkframe(uni, &lanmac, &cl[0]->mac);
	mkframe(down, &cl[3]->mac, &lanmac);
	mkframe(bc, &bcast, &cl[0]->mac);

	rss0 = rss_kb();

	bench_forward(r, cl[0], uni, 1, gw, &res);
	total += res.frames;
	report("room unicast client->gateway", &res, "");
	if (!failed) {
		bench_forward(r, gw, down, 1, cl[3], &res);
		total += res.frames;
		report("room unicast gateway->client", &res, "");
	}
	if (!failed) {
		bench_forward(r, cl[0], bc, NCLIENTS, NULL, &res);
		total += res.frames;
		snprintf(buf, sizeof(buf), "%.0f copies/s",
		    (double)res.copies / res.secs);
		report("room broadcast client (fan-out 8)", &res, buf);
	}
	if (!failed) {
		bench_overlay(uni, &res);
		total += res.frames;
		snprintf(buf, sizeof(buf), "%.1f frags/frame",
		    (double)res.copies / (double)res.frames);
		report("overlay 1514 B frag+reasm (1167)", &res, buf);
	}

	rss1 = rss_kb();
	printf("%-36s %ld kB before, %ld kB after %llu frames: %+ld kB\n",
	    "room/overlay RSS", rss0, rss1, (unsigned long long)total,
	    rss1 - rss0);
	for (i = 0; i < FWD_REASON_MAX; i++)
		if (r->counters.drops[i] != 0) {
			warnx("%llu frames dropped: %s",
			    (unsigned long long)r->counters.drops[i],
			    fwd_reason_name((enum fwd_reason)i));
			failed = 1;
		}
	relay_free(r);
	return (failed);
}
