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
 * The "client" child: chrooted, unprivileged, seccomp-confined.  It
 * owns the TAP and the QUIC socket the parent opened, runs the uplink to
 * the relay (common/uplink.c, which drives the session of session.c) and
 * bridges: frames read from the TAP pass the TAP filter (tapfilter.c)
 * and go to the relay; frames from the relay are written to the TAP.
 * It serves the control socket (status, peers, counters).
 *
 * The TAP stays up whatever happens to the relay: while the uplink
 * reconnects, frames from the TAP are dropped and counted.  A reject that
 * a retry cannot fix ends the daemon with status 1 (IMSG_REQ_EXIT).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <event.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clientd.h"
#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "ether.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "session.h"
#include "tapfilter.h"
#include "uplink.h"
#include "wiremsg.h"

#define CLIENT_TAP_ROUNDS	64	/* frames per TAP read event */
#define CLIENT_TAPBUF		65536	/* a read never truncates a frame */

const int client_syscalls[] = {
	SCMP_SYS(accept4),
	SCMP_SYS(accept),
	SCMP_SYS(fcntl),
	SCMP_SYS(getsockname),
	SCMP_SYS(shutdown),
	SANDBOX_END
};

static struct client_env	 cenv;
static uint8_t			 tapbuf[CLIENT_TAPBUF];

static void	 client_start(struct client_env *);
static void	 client_stop(int, short, void *);
static void	 tap_read(int, short, void *);
static void	 up_frame(const uint8_t *, size_t, void *);
static void	 up_welcome(const struct wiremsg_welcome *, void *);
static void	 up_state(enum session_state, enum session_state, void *);
static int	 up_set_mtu(uint32_t, void *);
static void	 up_exit(int, void *);

static const struct uplink_cb client_uplink_cb = {
	.frame = up_frame,
	.welcome = up_welcome,
	.state = up_state,
	.set_mtu = up_set_mtu,
	.exit = up_exit,
};

/* Framework hooks. */

void
client_child_setup(struct proc *p)
{
	struct client_env	*env = &cenv;

	env->p = p;
	env->tapfd = env->udpfd = env->ctlfd = -1;
	env->start_ms = clock_ms();
	/* The base proc.c made with event_init(). */
	event_set(&env->ev_tap, -1, 0, tap_read, env);
	env->base = event_get_base(&env->ev_tap);
	/*
	 * SIGTERM and SIGINT: close the QUIC connection properly before
	 * exiting, so the relay frees our MAC at once (a restarted clientd
	 * would otherwise meet its own ghost as duplicate-mac).  Set here,
	 * before the seccomp filter (sigaction).
	 */
	signal_del(&p->p_ev_sigterm);
	signal_del(&p->p_ev_sigint);
	signal_set(&env->ev_sigterm, SIGTERM, client_stop, env);
	signal_set(&env->ev_sigint, SIGINT, client_stop, env);
	signal_add(&env->ev_sigterm, NULL);
	signal_add(&env->ev_sigint, NULL);
}

void
client_child_run(struct proc *p)
{
	(void)p;
	log_debug("sandboxed, waiting for the configuration");
}

static int
take_fd(struct imsg *imsg, int *fdp, const char *what)
{
	int	 fd;

	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s without a descriptor", what);
	if (*fdp != -1)
		fatalx("%s: a second one", what);
	*fdp = fd;
	return (fd);
}

void
client_child_dispatch(struct proc *p, struct imsg *imsg)
{
	struct client_env	*env = &cenv;
	struct client_relay	 r;
	struct client_mtu	 m;

	(void)p;
	switch (imsg_get_type(imsg)) {
	case IMSG_RECONF_CONF:
		if (env->started)
			fatalx("IMSG_RECONF_CONF after start");
		if (imsg_get_data(imsg, &env->conf, sizeof(env->conf)) == -1)
			fatal("IMSG_RECONF_CONF");
		env->conf.relay[sizeof(env->conf.relay) - 1] = '\0';
		env->conf.server_name[sizeof(env->conf.server_name) - 1] =
		    '\0';
		env->conf.room[sizeof(env->conf.room) - 1] = '\0';
		env->conf.secret[sizeof(env->conf.secret) - 1] = '\0';
		env->conf.tap[sizeof(env->conf.tap) - 1] = '\0';
		env->have_conf = 1;
		break;
	case IMSG_RECONF_CA:
		daemon_blob_append(&env->ca, &env->calen, imsg,
		    CLIENT_CA_MAX, "IMSG_RECONF_CA");
		break;
	case IMSG_TAP_FD:
		take_fd(imsg, &env->tapfd, "IMSG_TAP_FD");
		break;
	case IMSG_UDP_FD:
		take_fd(imsg, &env->udpfd, "IMSG_UDP_FD");
		break;
	case IMSG_CONTROL_FD:
		take_fd(imsg, &env->ctlfd, "IMSG_CONTROL_FD");
		break;
	case IMSG_RECONF_END:
		if (env->started)
			fatalx("IMSG_RECONF_END: started already");
		client_start(env);
		break;
	case IMSG_RELAY_ADDR:
		if (imsg_get_data(imsg, &r, sizeof(r)) == -1)
			fatal("IMSG_RELAY_ADDR");
		if (env->up == NULL || uplink_set_relay(env->up,
		    (struct sockaddr *)&r.ss, r.sslen) == -1)
			log_warnx("relay address from the parent not usable");
		else {
			env->conf.addr = r;
			log_info("relay address changed, used from the next "
			    "connection attempt on");
		}
		break;
	case IMSG_MTU_DONE:
		if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
			fatal("IMSG_MTU_DONE");
		if (m.ok) {
			env->tap_mtu = m.mtu;
			env->c.mtu_changes++;
		} else
			env->c.mtu_failures++;
		break;
	default:
		fatalx("unexpected imsg type %u from the parent",
		    imsg_get_type(imsg));
	}
}

static void
client_start(struct client_env *env)
{
	struct uplink_conf	 uc;
	char			 err[256];

	if (!env->have_conf || env->tapfd == -1 || env->udpfd == -1 ||
	    env->calen == 0)
		fatalx("incomplete configuration from the parent");
	env->tap_mtu = env->conf.tap_mtu;
	tapfilter_init(&env->tf, &env->conf.mac, env->conf.tap_mtu);

	memset(&uc, 0, sizeof(uc));
	session_conf_init(&uc.session);
	uc.session.role = WIREMSG_ROLE_CLIENT;
	if (strlcpy(uc.session.room, env->conf.room,
	    sizeof(uc.session.room)) >= sizeof(uc.session.room) ||
	    strlcpy(uc.session.secret, env->conf.secret,
	    sizeof(uc.session.secret)) >= sizeof(uc.session.secret) ||
	    strlcpy(uc.server_name, env->conf.server_name,
	    sizeof(uc.server_name)) >= sizeof(uc.server_name) ||
	    strlcpy(uc.relay_name, env->conf.relay,
	    sizeof(uc.relay_name)) >= sizeof(uc.relay_name))
		fatalx("configuration string too long");
	(void)snprintf(uc.session.software, sizeof(uc.session.software),
	    "softlan-clientd/%s linux", CLIENTD_VERSION);
	uc.session.mac = env->conf.mac;
	uc.session.tap_mtu = env->conf.tap_mtu;
	uc.ca = env->ca;
	uc.calen = env->calen;
	memcpy(&uc.relay, &env->conf.addr.ss, sizeof(uc.relay));
	uc.relaylen = env->conf.addr.sslen;
	explicit_bzero(env->conf.secret, sizeof(env->conf.secret));

	if ((env->up = uplink_new(env->base, env->udpfd, &uc,
	    &client_uplink_cb, env, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	explicit_bzero(&uc, sizeof(uc));
	env->udpfd = -1;		/* the uplink owns it */
	daemon_blob_free(&env->ca, &env->calen);

	event_set(&env->ev_tap, env->tapfd, EV_READ | EV_PERSIST, tap_read,
	    env);
	if (event_add(&env->ev_tap, NULL) == -1)
		fatalx("event_add on the tap");
	if (env->ctlfd != -1 && (env->ctl = control_init(env->ctlfd,
	    client_control, env)) == NULL)
		log_warnx("control socket not served");
	env->started = 1;
	log_info("client ready: tap %s, MAC %s, room %s, relay %s",
	    env->conf.tap, ether_mac_str(&env->conf.mac), env->conf.room,
	    env->conf.relay);
	uplink_start(env->up);
}

/* SIGTERM/SIGINT: say goodbye to the relay, then exit. */
static void
client_stop(int sig, short event, void *arg)
{
	struct client_env	*env = arg;

	(void)event;
	log_debug("received SIG%s, exiting", sigabbrev_np(sig));
	if (env->up != NULL && !env->exiting)
		uplink_stop(env->up, "clientd stopping");
	proc_shutdown(env->p, 0);
}

/* TAP -> relay. */

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

static void
tap_read(int fd, short event, void *arg)
{
	struct client_env	*env = arg;
	enum tapf_reason	 why;
	const char		*what;
	ssize_t			 n;
	int			 i;

	(void)event;
	for (i = 0; i < CLIENT_TAP_ROUNDS; i++) {
		if ((n = read(fd, tapbuf, sizeof(tapbuf))) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			env->c.tap_read_errors++;
			log_debug("tap %s: read: %s", env->conf.tap,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		env->c.tap_frames_in++;
		why = tapfilter_check(&env->tf, tapbuf, (size_t)n);
		if (why != TAPF_PASS) {
			frame_log("tap", tapbuf, (size_t)n,
			    tapfilter_reason_name(why));
			continue;
		}
		switch (uplink_send_frame(env->up, tapbuf, (size_t)n)) {
		case UPLINK_SENT:
			env->c.tap_frames_sent++;
			what = "to the relay";
			break;
		case UPLINK_NOTCONNECTED:
			env->c.tap_drop_notconnected++;
			what = "dropped, not connected";
			break;
		case UPLINK_TOOBIG:
			env->c.tap_drop_toobig++;
			what = "dropped, too big";
			break;
		case UPLINK_FULL:
		default:
			env->c.tap_drop_full++;
			what = "dropped, queue full";
			break;
		}
		frame_log("tap", tapbuf, (size_t)n, what);
	}
}

/* Relay -> TAP. */

static void
up_frame(const uint8_t *f, size_t len, void *arg)
{
	struct client_env	*env = arg;
	ssize_t			 n;

	if ((n = write(env->tapfd, f, len)) == -1) {
		switch (errno) {
		case EIO:	/* the TAP is down: not fatal */
			env->c.tap_write_down++;
			break;
		case EAGAIN:
			env->c.tap_write_full++;
			break;
		default:
			env->c.tap_write_errors++;
			log_debug("tap %s: write: %s", env->conf.tap,
			    strerror(errno));
			break;
		}
		frame_log("relay", f, len, strerror(errno));
		return;
	}
	if ((size_t)n != len) {
		env->c.tap_write_short++;
		frame_log("relay", f, len, "short write to the tap");
		return;
	}
	env->c.tap_frames_out++;
	env->c.tap_bytes_out += len;
	frame_log("relay", f, len, "to the tap");
}

static void
up_welcome(const struct wiremsg_welcome *w, void *arg)
{
	struct client_env	*env = arg;

	/* The session logs the welcome itself. */
	tapfilter_set_mtu(&env->tf, (uint16_t)w->room_mtu);
}

static void
up_state(enum session_state o, enum session_state n, void *arg)
{
	(void)arg;
	log_debug("session: %s -> %s", session_state_name(o),
	    session_state_name(n));
}

/* Asked of the parent; it answers IMSG_MTU_DONE. */
static int
up_set_mtu(uint32_t mtu, void *arg)
{
	struct client_env	*env = arg;

	if (mtu < CLIENT_MTU_MIN || mtu > CLIENT_MTU_MAX) {
		log_warnx("room MTU %u out of %d..%d: not set", mtu,
		    CLIENT_MTU_MIN, CLIENT_MTU_MAX);
		return (-1);
	}
	if (proc_compose(env->p, IMSG_REQ_SET_MTU, -1, &mtu,
	    sizeof(mtu)) == -1)
		return (-1);
	return (0);
}

/* A reject a retry cannot fix: the parent ends us both. */
static void
up_exit(int status, void *arg)
{
	struct client_env	*env = arg;
	int32_t			 st = status;

	if (env->exiting)
		return;
	env->exiting = 1;
	event_del(&env->ev_tap);
	if (proc_compose(env->p, IMSG_REQ_EXIT, -1, &st, sizeof(st)) == -1)
		fatal("%s: proc_compose", __func__);
	proc_flush(env->p);
}
