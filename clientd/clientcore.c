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
 * The client's core (clientcore.h): the uplink to the relay and the two
 * directions of the bridge, the same on Linux and Windows.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientcore.h"
#include "clock.h"
#include "ether.h"
#include "log.h"
#include "mssclamp.h"
#include "session.h"
#include "tapfilter.h"
#include "uplink.h"
#include "wiremsg.h"

static const uint8_t *tap_mss_clamp(struct client_core *, const uint8_t *,
		    size_t);
static void	 up_frame(const uint8_t *, size_t, void *);
static void	 up_welcome(const struct wiremsg_welcome *, void *);
static void	 up_state(enum session_state, enum session_state, void *);
static int	 up_set_mtu(uint32_t, void *);
static void	 up_exit(int, void *);
static void	 up_writable(void *);
static const char *tap_send(struct client_core *, const uint8_t *, size_t);
static void	 tap_pause(struct client_core *, int);

static const struct uplink_cb client_uplink_cb = {
	.frame = up_frame,
	.welcome = up_welcome,
	.state = up_state,
	.set_mtu = up_set_mtu,
	.exit = up_exit,
	.writable = up_writable,
};

/*
 * Start the uplink on socket udp (the uplink owns it from now on, also
 * on failure) with core->conf, core->ops and core->platform set by the
 * caller.  The CA certificate is copied.  The secret in core->conf is
 * wiped once the uplink has it.
 */
int
client_core_start(struct client_core *core, struct evloop *loop,
    EVLOOP_SOCKET udp, const uint8_t *ca, size_t calen, char *err,
    size_t errlen)
{
	struct uplink_conf	 uc;

	core->start_ms = clock_ms();
	core->tap_mtu = core->conf.tap_mtu;
	tapfilter_init(&core->tf, &core->conf.mac, core->conf.tap_mtu);

	memset(&uc, 0, sizeof(uc));
	session_conf_init(&uc.session);
	uc.session.role = WIREMSG_ROLE_CLIENT;
	if (strlcpy(uc.session.room, core->conf.room,
	    sizeof(uc.session.room)) >= sizeof(uc.session.room) ||
	    strlcpy(uc.session.secret, core->conf.secret,
	    sizeof(uc.session.secret)) >= sizeof(uc.session.secret) ||
	    strlcpy(uc.server_name, core->conf.server_name,
	    sizeof(uc.server_name)) >= sizeof(uc.server_name) ||
	    strlcpy(uc.relay_name, core->conf.relay,
	    sizeof(uc.relay_name)) >= sizeof(uc.relay_name)) {
		explicit_bzero(&uc, sizeof(uc));
		(void)snprintf(err, errlen, "configuration string too long");
		return (-1);
	}
	(void)snprintf(uc.session.software, sizeof(uc.session.software),
	    "softlan-clientd/%s %s", CLIENTD_VERSION, core->platform);
	uc.session.mac = core->conf.mac;
	uc.session.tap_mtu = core->conf.tap_mtu;
	uc.ca = ca;
	uc.calen = calen;
	memcpy(&uc.relay, &core->conf.addr.ss, sizeof(uc.relay));
	uc.relaylen = core->conf.addr.sslen;
	explicit_bzero(core->conf.secret, sizeof(core->conf.secret));

	core->up = uplink_new(loop, udp, &uc, &client_uplink_cb, core, err,
	    errlen);
	explicit_bzero(&uc, sizeof(uc));
	if (core->up == NULL)
		return (-1);
	log_info("client ready: tap %s, MAC %s, room %s, relay %s",
	    core->conf.tap, ether_mac_str(&core->conf.mac), core->conf.room,
	    core->conf.relay);
	uplink_start(core->up);
	return (0);
}

/* Say goodbye to the relay (the platform then exits). */
void
client_core_stop(struct client_core *core, const char *why)
{
	if (core->up != NULL && !core->exiting)
		uplink_stop(core->up, why);
}

/* With -vvv: one line per frame, what was done with it. */
static void
frame_log(const char *dir, const uint8_t *f, size_t len, const char *what)
{
	struct ether_mac	 dst, src;
	char			 d[ETHER_MAC_STRLEN], s[ETHER_MAC_STRLEN];

	if (log_getverbose() < 3)
		return;
	if (len < ETHER_HDR_LEN) {
		log_debug("%s: len %zu: %s", dir, len, what);
		return;
	}
	memcpy(dst.octet, f, ETHER_ADDR_LEN);
	memcpy(src.octet, f + ETHER_ADDR_LEN, ETHER_ADDR_LEN);
	log_debug("%s: %s > %s type 0x%04x len %zu: %s", dir,
	    ether_mac_format(&src, s, sizeof(s)),
	    ether_mac_format(&dst, d, sizeof(d)),
	    (unsigned int)(f[12] << 8 | f[13]), len, what);
}

/* TAP -> relay: one frame the platform read. */
void
client_core_tap_frame(struct client_core *core, const uint8_t *f,
    size_t len)
{
	enum tapf_reason	 why;

	core->c.tap_frames_in++;
	if (core->exiting) {
		core->c.tap_drop_notconnected++;
		frame_log("tap", f, len, "dropped, stopping");
		return;
	}
	if (core->pendlen > 0) {
		/* A platform that read on while paused. */
		core->c.tap_drop_full++;
		frame_log("tap", f, len, "dropped, queue full");
		return;
	}
	why = tapfilter_check(&core->tf, f, len);
	if (why != TAPF_PASS) {
		frame_log("tap", f, len, tapfilter_reason_name(why));
		return;
	}
	f = tap_mss_clamp(core, f, len);
	frame_log("tap", f, len, tap_send(core, f, len));
}

/*
 * One frame (filtered, clamped) to the uplink; when its queue is full
 * the frame is held in core->pend and the TAP paused.  What became of
 * it, for the log.
 */
static const char *
tap_send(struct client_core *core, const uint8_t *f, size_t len)
{
	switch (uplink_send_frame(core->up, f, len)) {
	case UPLINK_SENT:
		core->c.tap_frames_sent++;
		return ("to the relay");
	case UPLINK_NOTCONNECTED:
		core->c.tap_drop_notconnected++;
		return ("dropped, not connected");
	case UPLINK_TOOBIG:
		core->c.tap_drop_toobig++;
		return ("dropped, too big");
	case UPLINK_FULL:
	default:
		break;
	}
	if (len > sizeof(core->pend)) {
		core->c.tap_drop_full++;
		return ("dropped, queue full");
	}
	if (f != core->pend)
		memcpy(core->pend, f, len);
	core->pendlen = len;
	tap_pause(core, 1);
	return ("held, queue full: tap paused");
}

/* Stop or resume reading the TAP (not again once exiting). */
static void
tap_pause(struct client_core *core, int paused)
{
	if (core->tap_paused == paused)
		return;
	core->tap_paused = paused;
	if (paused)
		core->c.tap_pauses++;
	else if (core->exiting)
		return;
	if (core->ops->tap_pause != NULL)
		core->ops->tap_pause(paused, core->arg);
}

/* The uplink has room again: the held frame first, then the TAP. */
static void
up_writable(void *arg)
{
	struct client_core	*core = arg;
	size_t			 len = core->pendlen;

	if (len > 0) {
		core->pendlen = 0;
		frame_log("tap", core->pend, len,
		    tap_send(core, core->pend, len));
		if (core->pendlen > 0)
			return;		/* full again: still paused */
	}
	tap_pause(core, 0);
}

/*
 * The MSS clamp of a TCP SYN from the TAP (mssclamp.h): the frame itself,
 * or its copy in core->clampbuf with the MSS option lowered.  The TAP's
 * buffer is the platform's, so it is not written to.  A frame over
 * OVL_MAX_FRAME is left as it is: the uplink refuses it anyway.
 */
static const uint8_t *
tap_mss_clamp(struct client_core *core, const uint8_t *f, size_t len)
{
	struct mssclamp_edit	 e;
	struct uplink_status	 st;
	enum mssclamp_result	 r;
	uint16_t		 lim;

	if (core->conf.mss_clamp == MSSCLAMP_OFF)
		return (f);
	if ((r = mssclamp_find(f, len, &e)) != MSSCLAMP_UNCHANGED) {
		mssclamp_count(&core->mss, r);
		return (f);
	}
	st.budget = 0;
	if (core->conf.mss_clamp == MSSCLAMP_AUTO)
		uplink_status(core->up, &st);
	lim = mssclamp_limit(core->conf.mss_clamp, st.budget, e.ipv6,
	    e.tagged);
	if (lim == 0)		/* auto, not connected: dropped anyway */
		return (f);
	if (e.mss <= lim || len > sizeof(core->clampbuf)) {
		mssclamp_count(&core->mss, MSSCLAMP_UNCHANGED);
		return (f);
	}
	memcpy(core->clampbuf, f, len);
	mssclamp_apply(core->clampbuf, &e, lim);
	mssclamp_count(&core->mss, MSSCLAMP_CLAMPED);
	log_debug("tap: TCP SYN MSS %u clamped to %u", e.mss, lim);
	return (core->clampbuf);
}

/* Relay -> TAP. */
static void
up_frame(const uint8_t *f, size_t len, void *arg)
{
	struct client_core	*core = arg;
	const char		*what;

	switch (core->ops->tap_write(f, len, core->arg)) {
	case CLIENT_TAPW_OK:
		core->c.tap_frames_out++;
		core->c.tap_bytes_out += len;
		what = "to the tap";
		break;
	case CLIENT_TAPW_DOWN:
		core->c.tap_write_down++;
		what = "tap down";
		break;
	case CLIENT_TAPW_FULL:
		core->c.tap_write_full++;
		what = "tap full";
		break;
	case CLIENT_TAPW_SHORT:
		core->c.tap_write_short++;
		what = "short write to the tap";
		break;
	case CLIENT_TAPW_ERROR:
	default:
		core->c.tap_write_errors++;
		what = "tap write error";
		break;
	}
	frame_log("relay", f, len, what);
}

static void
up_welcome(const struct wiremsg_welcome *w, void *arg)
{
	struct client_core	*core = arg;

	/* The session logs the welcome itself. */
	tapfilter_set_mtu(&core->tf, (uint16_t)w->room_mtu);
}

static void
up_state(enum session_state o, enum session_state n, void *arg)
{
	struct client_core	*core = arg;

	log_debug("session: %s -> %s", session_state_name(o),
	    session_state_name(n));
	if (n == SESSION_CONNECTED)
		return;
	/* The room is gone: so is the frame held for it. */
	if (core->pendlen > 0) {
		core->c.tap_drop_notconnected++;
		frame_log("tap", core->pend, core->pendlen,
		    "dropped, not connected");
		core->pendlen = 0;
	}
	tap_pause(core, 0);
}

/* Asked of the privileged side; client_core_mtu_done() is its answer. */
static int
up_set_mtu(uint32_t mtu, void *arg)
{
	struct client_core	*core = arg;

	if (mtu < CLIENT_MTU_MIN || mtu > CLIENT_MTU_MAX) {
		log_warnx("room MTU %u out of %d..%d: not set", mtu,
		    CLIENT_MTU_MIN, CLIENT_MTU_MAX);
		return (-1);
	}
	return (core->ops->set_mtu(mtu, core->arg));
}

void
client_core_mtu_done(struct client_core *core, uint32_t mtu, int ok)
{
	if (ok) {
		core->tap_mtu = mtu;
		core->c.mtu_changes++;
	} else
		core->c.mtu_failures++;
}

/* A new address of the relay, for the next connection attempt. */
int
client_core_relay_addr(struct client_core *core,
    const struct client_relay *r)
{
	if (core->up == NULL || uplink_set_relay(core->up,
	    (const struct sockaddr *)&r->ss, r->sslen) == -1) {
		log_warnx("relay address from the parent not usable");
		return (-1);
	}
	core->conf.addr = *r;
	log_info("relay address changed, used from the next connection "
	    "attempt on");
	return (0);
}

/* A reject a retry cannot fix: the platform ends everything. */
static void
up_exit(int status, void *arg)
{
	struct client_core	*core = arg;

	if (core->exiting)
		return;
	core->exiting = 1;
	core->ops->exit(status, core->arg);
}
