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
 * The "gateway" child of gatewayd: chrooted, unprivileged, under seccomp.
 * It bridges the LAN (the AF_PACKET socket the parent opened) and the
 * relay (common/uplink.c): LAN frames meant for remote clients go up
 * (gatewayd/lan.c decides), frames from the relay are written to the
 * LAN, and gatewayd/cam.c's refresh frames keep the switch's MAC table
 * pointing remote MACs at our port.  It serves the control socket.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <linux/if_packet.h>
#include <netinet/in.h>

#include <cJSON.h>
#include <errno.h>
#include <event.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cam.h"
#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "ether.h"
#include "gatewayd.h"
#include "lan.h"
#include "log.h"
#include "mssclamp.h"
#include "mtu.h"
#include "proc.h"
#include "quic.h"
#include "sandbox.h"
#include "uplink.h"
#include "wiremsg.h"

#define GW_RX_ROUNDS		64	/* frames per read event */
#define GW_RXBUF		(65536 + ETHER_VLAN_LEN)
#define GW_CAM_BATCH		64

const int gateway_syscalls[] = {
	SCMP_SYS(accept4),
	SCMP_SYS(accept),
	SCMP_SYS(fcntl),
	SCMP_SYS(getsockname),
	SCMP_SYS(shutdown),
	SANDBOX_END
};

static struct gw_env	 genv;
static uint8_t		 rxbuf[GW_RXBUF];

static void	 gw_start(struct gw_env *);
static void	 gw_reconf(struct gw_env *);
static void	 uplink_setup(struct gw_env *);
static void	 pkt_set(struct gw_env *, int,
		    const struct priv_packet_info *);
static void	 pkt_read(int, short, void *);
static void	 pkt_error(struct gw_env *, int);
static void	 gw_mss_clamp(struct gw_env *, uint8_t *, size_t);
static const char *mss_word(uint32_t, char *, size_t);
static void	 pkt_check(struct gw_env *);
static void	 pkt_recheck(int, short, void *);
static void	 recheck_arm(struct gw_env *);
static int	 lan_write(struct gw_env *, const uint8_t *, size_t);
static void	 cam_arm(struct gw_env *);
static void	 cam_tick(int, short, void *);
static void	 up_frame(const uint8_t *, size_t, void *);
static void	 up_welcome(const struct wiremsg_welcome *, void *);
static void	 up_peer_joined(const struct wiremsg_peer *, void *);
static void	 up_peer_left(const struct wiremsg_peer *, void *);
static void	 up_state(enum session_state, enum session_state, void *);
static void	 up_exit(int, void *);
static void	 up_writable(void *);
static void	 lan_hold(struct gw_env *, const uint8_t *, size_t);
static void	 lan_resume(struct gw_env *);

static const struct uplink_cb gw_uplink_cb = {
	.frame = up_frame,
	.welcome = up_welcome,
	.peer_joined = up_peer_joined,
	.peer_left = up_peer_left,
	.state = up_state,
	.set_mtu = NULL,	/* no TAP: the room MTU is only a limit */
	.exit = up_exit,
	.writable = up_writable,
};

/* Framework hooks. */

void
gateway_child_setup(struct proc *p)
{
	genv.p = p;
	genv.udpfd = -1;
	genv.pktfd = -1;
	genv.ctlfd = -1;
	genv.start_ms = clock_ms();
	/* After event_init(): the events exist before any message. */
	evtimer_set(&genv.ev_cam, cam_tick, &genv);
	evtimer_set(&genv.ev_recheck, pkt_recheck, &genv);
	quic_init();
}

void
gateway_child_run(struct proc *p)
{
	(void)p;
	log_debug("sandboxed, waiting for the configuration");
}

void
gateway_child_dispatch(struct proc *p, struct imsg *imsg)
{
	struct gw_env		*env = &genv;
	struct priv_packet_info	 info;
	char			 msg[PRIV_ERRLEN];
	size_t			 len;
	int			 fd;

	(void)p;
	switch (imsg_get_type(imsg)) {
	case IMSG_RECONF_CONF:
		if (imsg_get_data(imsg, &env->nconf,
		    sizeof(env->nconf)) == -1)
			fatal("IMSG_RECONF_CONF");
		env->nconf.relay[sizeof(env->nconf.relay) - 1] = '\0';
		env->nconf.server_name[sizeof(env->nconf.server_name) - 1] =
		    '\0';
		env->nconf.room[sizeof(env->nconf.room) - 1] = '\0';
		env->nconf.secret[sizeof(env->nconf.secret) - 1] = '\0';
		env->nconf.interface[sizeof(env->nconf.interface) - 1] = '\0';
		daemon_blob_free(&env->ca, &env->calen);
		break;
	case IMSG_RECONF_CA:
		daemon_blob_append(&env->ca, &env->calen, imsg,
		    GATEWAY_CA_MAX, "IMSG_RECONF_CA");
		break;
	case IMSG_UDP_FD:
		if (imsg_get_data(imsg, &env->relay,
		    sizeof(env->relay)) == -1)
			fatal("IMSG_UDP_FD");
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_UDP_FD without a descriptor");
		if (env->udpfd != -1)
			close(env->udpfd);
		env->udpfd = fd;
		break;
	case IMSG_PACKET_FD:
		if (imsg_get_data(imsg, &info, sizeof(info)) == -1)
			fatal("IMSG_PACKET_FD");
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_PACKET_FD without a descriptor");
		env->checking = 0;
		pkt_set(env, fd, &info);
		break;
	case IMSG_PACKET_SAME:
		env->checking = 0;
		env->pktgone = 0;
		log_debug("interface %s: still index %d, waiting for the "
		    "link", env->conf.interface, env->info.ifindex);
		/*
		 * The link went down, or the interface is being deleted
		 * (it still has its name when the socket hears of it): ask
		 * again until the socket works.
		 */
		if (env->suspect)
			recheck_arm(env);
		break;
	case IMSG_PACKET_GONE:
		env->checking = 0;
		len = MINIMUM(imsg_get_len(imsg), sizeof(msg) - 1);
		memset(msg, 0, sizeof(msg));
		if (len > 0 && imsg_get_data(imsg, msg, len) == -1)
			(void)strlcpy(msg, "interface gone", sizeof(msg));
		if (!env->pktgone)
			log_warnx("%s; retrying every %d ms", msg,
			    GATEWAY_RECHECK_MS);
		env->pktgone = 1;
		if (env->pktfd != -1) {
			event_del(&env->ev_pkt);
			close(env->pktfd);
			env->pktfd = -1;
		}
		recheck_arm(env);
		break;
	case IMSG_CONTROL_FD:
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_CONTROL_FD without a descriptor");
		if (env->ctlfd != -1)
			fatalx("IMSG_CONTROL_FD: a second one");
		env->ctlfd = fd;
		break;
	case IMSG_RECONF_END:
		if (!env->started)
			gw_start(env);
		else
			gw_reconf(env);
		break;
	default:
		fatalx("unexpected imsg type %u from the parent",
		    imsg_get_type(imsg));
	}
}

static void
gw_start(struct gw_env *env)
{
	if (env->pktfd == -1)
		fatalx("no packet socket from the parent");
	if (env->udpfd == -1)
		fatalx("no relay socket from the parent");
	env->conf = env->nconf;
	if ((env->cam = cam_new(&env->info.hwaddr,
	    (uint64_t)env->conf.cam_refresh * 1000, 0)) == NULL)
		fatal("cam_new");
	if (env->ctlfd != -1 && (env->ctl = control_init(env->ctlfd,
	    gateway_control, env)) == NULL)
		fatalx("control socket");
	env->started = 1;
	uplink_setup(env);
	/* LAN frames queued meanwhile are read from now on. */
	event_add(&env->ev_pkt, NULL);
}

/* A new uplink for the configuration just received. */
static void
uplink_setup(struct gw_env *env)
{
	struct uplink_conf	 uc;
	char			 err[512];

	memset(&uc, 0, sizeof(uc));
	session_conf_init(&uc.session);
	uc.session.role = WIREMSG_ROLE_GATEWAY;
	uc.session.mac = env->info.hwaddr;
	(void)strlcpy(uc.session.room, env->conf.room,
	    sizeof(uc.session.room));
	(void)strlcpy(uc.session.secret, env->conf.secret,
	    sizeof(uc.session.secret));
	(void)snprintf(uc.session.software, sizeof(uc.session.software),
	    "gatewayd/%s", GATEWAYD_VERSION);
	uc.ca = env->ca;
	uc.calen = env->calen;
	(void)strlcpy(uc.server_name, env->conf.server_name,
	    sizeof(uc.server_name));
	(void)strlcpy(uc.relay_name, env->conf.relay, sizeof(uc.relay_name));
	uc.relay = env->relay.ss;
	uc.relaylen = env->relay.sslen;
	env->up = uplink_new(NULL, env->udpfd, &uc, &gw_uplink_cb, env, err,
	    sizeof(err));
	explicit_bzero(&uc.session.secret, sizeof(uc.session.secret));
	daemon_blob_free(&env->ca, &env->calen);
	if (env->up == NULL)
		fatalx("%s", err);
	env->udpfd = -1;	/* the uplink has it */
	uplink_start(env->up);
}

/* An mss-clamp setting as the configuration writes it. */
static const char *
mss_word(uint32_t v, char *buf, size_t len)
{
	if (v == MSSCLAMP_OFF)
		return ("no");
	if (v == MSSCLAMP_AUTO)
		return ("auto");
	(void)snprintf(buf, len, "%u", v);
	return (buf);
}

/* A reload: reconnect if the connection settings changed. */
static void
gw_reconf(struct gw_env *env)
{
	struct gateway_reconf	*o = &env->conf, *n = &env->nconf;
	char			 nw[16], ow[16];

	if (n->mss_clamp != o->mss_clamp)
		log_info("mss-clamp %s (was %s)", mss_word(n->mss_clamp, nw,
		    sizeof(nw)), mss_word(o->mss_clamp, ow, sizeof(ow)));
	if (n->cam_refresh != o->cam_refresh) {
		log_info("cam-refresh %u s (was %u s)", n->cam_refresh,
		    o->cam_refresh);
		cam_set_interval(env->cam, (uint64_t)n->cam_refresh * 1000);
		cam_arm(env);
	}
	if (strcmp(n->relay, o->relay) == 0 && n->port == o->port &&
	    strcmp(n->server_name, o->server_name) == 0 &&
	    strcmp(n->room, o->room) == 0 &&
	    strcmp(n->secret, o->secret) == 0 && env->up != NULL) {
		log_info("reload: connection settings unchanged");
		*o = *n;
		explicit_bzero(n->secret, sizeof(n->secret));
		if (env->udpfd != -1) {
			close(env->udpfd);
			env->udpfd = -1;
		}
		daemon_blob_free(&env->ca, &env->calen);
		return;
	}
	log_info("reload: connection settings changed, reconnecting");
	*o = *n;
	explicit_bzero(n->secret, sizeof(n->secret));
	if (env->up != NULL) {
		uplink_stop(env->up, "reconfigured");
		uplink_free(env->up);
		env->up = NULL;
	}
	cam_clear(env->cam);
	cam_arm(env);
	if (env->udpfd == -1)
		fatalx("reload without a relay socket");
	uplink_setup(env);
}

/* Packet socket. */

static void
pkt_set(struct gw_env *env, int fd, const struct priv_packet_info *info)
{
	if (env->pktfd != -1) {
		event_del(&env->ev_pkt);
		close(env->pktfd);
	}
	if (env->started)
		env->c.pkt_reopened++;
	if (env->started && !ether_mac_eq(&info->hwaddr, &env->info.hwaddr))
		log_warnx("interface %s: MAC changed from %s to %s; the "
		    "room keeps the old one until gatewayd restarts",
		    env->conf.interface[0] != '\0' ? env->conf.interface :
		    "(lan)", ether_mac_str(&env->info.hwaddr),
		    ether_mac_str(&info->hwaddr));
	else
		env->info = *info;
	env->info.ifindex = info->ifindex;
	env->info.mtu = info->mtu;
	env->pktfd = fd;
	env->pktgone = 0;
	env->suspect = 0;
	evtimer_del(&env->ev_recheck);
	event_set(&env->ev_pkt, fd, EV_READ | EV_PERSIST, pkt_read, env);
	/*
	 * Before gw_start() there is no CAM table or uplink to feed; while
	 * paused, lan_resume() adds the event.
	 */
	if (env->started && !env->paused) {
		event_add(&env->ev_pkt, NULL);
		log_info("interface %s: packet socket ready (index %d)",
		    env->conf.interface, info->ifindex);
	}
}

static void
pkt_read(int fd, short event, void *arg)
{
	struct gw_env		*env = arg;
	struct sockaddr_ll	 sll;
	struct iovec		 iov;
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct tpacket_auxdata	 ad;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(
				    struct tpacket_auxdata))];
	} cbuf;
	struct lan_aux		 aux;
	enum lan_reason		 r;
	uint32_t		 mtu;
	ssize_t			 n;
	size_t			 len;
	int			 i, rv;

	(void)event;
	for (i = 0; i < GW_RX_ROUNDS && !env->paused; i++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = rxbuf;
		iov.iov_len = sizeof(rxbuf) - ETHER_VLAN_LEN;
		msg.msg_name = &sll;
		msg.msg_namelen = sizeof(sll);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			env->c.rx_errors++;
			pkt_error(env, errno);
			return;
		}
		env->suspect = 0;
		if (msg.msg_flags & MSG_TRUNC) {
			env->c.rx_truncated++;
			continue;
		}
		memset(&aux, 0, sizeof(aux));
		aux.pkttype = sll.sll_pkttype;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_PACKET ||
			    cm->cmsg_type != PACKET_AUXDATA ||
			    cm->cmsg_len < CMSG_LEN(sizeof(ad)))
				continue;
			memcpy(&ad, CMSG_DATA(cm), sizeof(ad));
			aux.status = ad.tp_status;
			aux.vlan_tci = ad.tp_vlan_tci;
			aux.vlan_tpid = ad.tp_vlan_tpid;
		}
		len = (size_t)n;
		if ((mtu = uplink_room_mtu(env->up)) == 0)
			mtu = MTU_ROOM_DEFAULT;
		r = lan_input(&env->lan, rxbuf, &len, sizeof(rxbuf), &aux,
		    env->cam, &env->info.hwaddr, (uint16_t)mtu);
		if (r != LAN_PASS)
			continue;
		gw_mss_clamp(env, rxbuf, len);
		rv = uplink_send_frame(env->up, rxbuf, len);
		if (rv == UPLINK_NOTCONNECTED)
			env->c.send_notconnected++;
		else if (rv == UPLINK_TOOBIG)
			env->c.send_toobig++;
		else if (rv == UPLINK_FULL)
			lan_hold(env, rxbuf, len);
	}
}

/*
 * Back-pressure: the uplink has no room for this frame.  Keep it and
 * stop reading the packet socket (its receive queue holds the frames
 * meanwhile) until up_writable() or up_state() says what became of it.
 */
static void
lan_hold(struct gw_env *env, const uint8_t *f, size_t len)
{
	if (len > sizeof(env->pend)) {
		env->c.send_full++;
		return;
	}
	memcpy(env->pend, f, len);
	env->pendlen = len;
	if (env->paused)
		return;
	env->paused = 1;
	env->c.pauses++;
	event_del(&env->ev_pkt);
}

static void
lan_resume(struct gw_env *env)
{
	if (!env->paused)
		return;
	env->paused = 0;
	if (env->pktfd != -1)
		event_add(&env->ev_pkt, NULL);
}

/*
 * The MSS clamp of a TCP SYN from the LAN (mssclamp.h), in place, with the
 * uplink's live frame budget for "mss-clamp auto".  lan_input() has
 * completed a partial checksum already, so the incremental update holds.
 */
static void
gw_mss_clamp(struct gw_env *env, uint8_t *f, size_t len)
{
	struct mssclamp_edit	 e;
	struct uplink_status	 st;
	enum mssclamp_result	 r;
	uint16_t		 lim;

	if (env->conf.mss_clamp == MSSCLAMP_OFF)
		return;
	if ((r = mssclamp_find(f, len, &e)) != MSSCLAMP_UNCHANGED) {
		mssclamp_count(&env->mss, r);
		return;
	}
	st.budget = 0;
	if (env->conf.mss_clamp == MSSCLAMP_AUTO)
		uplink_status(env->up, &st);
	lim = mssclamp_limit(env->conf.mss_clamp, st.budget, e.ipv6,
	    e.tagged);
	if (lim == 0)		/* auto, not connected: dropped anyway */
		return;
	if (e.mss <= lim) {
		mssclamp_count(&env->mss, MSSCLAMP_UNCHANGED);
		return;
	}
	mssclamp_apply(f, &e, lim);
	mssclamp_count(&env->mss, MSSCLAMP_CLAMPED);
	log_debug("lan: TCP SYN MSS %u clamped to %u", e.mss, lim);
}

/* A read or write failed: link down, or the interface is gone. */
static void
pkt_error(struct gw_env *env, int error)
{
	switch (error) {
	case ENETDOWN:
	case ENXIO:
	case ENODEV:
		log_debug("interface %s: %s", env->conf.interface,
		    strerror(error));
		env->suspect = 1;
		pkt_check(env);
		break;
	default:
		log_warnx("interface %s: %s", env->conf.interface,
		    strerror(error));
		break;
	}
}

static void
pkt_check(struct gw_env *env)
{
	int32_t	 idx = env->info.ifindex;

	if (env->checking)
		return;
	env->checking = 1;
	env->c.pkt_checks++;
	if (proc_compose(env->p, IMSG_REQ_PACKET_CHECK, -1, &idx,
	    sizeof(idx)) == -1)
		fatal("%s: proc_compose", __func__);
}

static void
recheck_arm(struct gw_env *env)
{
	struct timeval	 tv;

	tv.tv_sec = GATEWAY_RECHECK_MS / 1000;
	tv.tv_usec = (GATEWAY_RECHECK_MS % 1000) * 1000;
	evtimer_add(&env->ev_recheck, &tv);
}

static void
pkt_recheck(int fd, short event, void *arg)
{
	struct gw_env	*env = arg;

	(void)fd;
	(void)event;
	if (env->pktgone || env->suspect)
		pkt_check(env);
}

/* Write one frame to the LAN; 0 or -1 (counted). */
static int
lan_write(struct gw_env *env, const uint8_t *frame, size_t len)
{
	if (env->pktfd == -1) {
		env->c.drop_nosocket++;
		return (-1);
	}
	if (send(env->pktfd, frame, len, MSG_DONTWAIT) == -1) {
		switch (errno) {
		case ENETDOWN:
		case ENXIO:
		case ENODEV:
			env->c.drop_down++;
			env->suspect = 1;
			pkt_check(env);
			break;
		default:
			env->c.drop_error++;
			log_debug("interface %s: write of %zu bytes: %s",
			    env->conf.interface, len, strerror(errno));
			break;
		}
		return (-1);
	}
	env->suspect = 0;
	return (0);
}

/* CAM refresh. */

static void
cam_arm(struct gw_env *env)
{
	struct timeval	 tv;
	uint64_t	 when, now, d;

	evtimer_del(&env->ev_cam);
	if (!cam_next_due(env->cam, &when))
		return;
	now = clock_ms();
	d = when > now ? when - now : 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(&env->ev_cam, &tv);
}

static void
cam_tick(int fd, short event, void *arg)
{
	struct gw_env		*env = arg;
	struct ether_mac	 macs[GW_CAM_BATCH];
	uint8_t			 frame[CAM_FRAME_LEN];
	uint64_t		 now = clock_ms();
	size_t			 n, i;

	(void)fd;
	(void)event;
	(void)cam_expire(env->cam, now);
	do {
		n = cam_due(env->cam, now, macs, nitems(macs));
		for (i = 0; i < n; i++) {
			cam_build_frame(&env->info.hwaddr, &macs[i], frame);
			if (lan_write(env, frame, sizeof(frame)) == 0)
				env->c.cam_sent++;
			else
				env->c.cam_errors++;
		}
	} while (n == nitems(macs));
	cam_arm(env);
}

/* Uplink callbacks. */

static void
up_frame(const uint8_t *frame, size_t len, void *arg)
{
	struct gw_env		*env = arg;
	struct ether_frame	 ef;

	if (ether_parse(frame, len, &ef) == 0 &&
	    cam_learn(env->cam, &ef.src, clock_ms()) == 1)
		cam_arm(env);	/* a new MAC: refresh it at once */
	if (lan_write(env, frame, len) == 0) {
		env->c.frames++;
		env->c.bytes += len;
	}
}

static void
up_welcome(const struct wiremsg_welcome *w, void *arg)
{
	struct gw_env	*env = arg;

	(void)cam_welcome(env->cam, w, clock_ms());
	cam_arm(env);
	log_debug("welcome: %zu remote MAC%s to refresh",
	    cam_count(env->cam), cam_count(env->cam) == 1 ? "" : "s");
}

static void
up_peer_joined(const struct wiremsg_peer *p, void *arg)
{
	struct gw_env	*env = arg;

	if (cam_peer_joined(env->cam, p, clock_ms()) == 1)
		cam_arm(env);
}

static void
up_peer_left(const struct wiremsg_peer *p, void *arg)
{
	struct gw_env	*env = arg;

	(void)cam_peer_left(env->cam, p);
	cam_arm(env);
}

static void
up_state(enum session_state old, enum session_state new, void *arg)
{
	struct gw_env	*env = arg;

	log_debug("session: %s -> %s", session_state_name(old),
	    session_state_name(new));
	if (old == SESSION_CONNECTED) {
		cam_clear(env->cam);
		cam_arm(env);
	}
	if (new == SESSION_CONNECTED)
		return;
	/* The room is gone: so is the frame held for it. */
	if (env->pendlen > 0) {
		env->c.send_notconnected++;
		env->pendlen = 0;
	}
	lan_resume(env);
}

/* The uplink has room again: the held frame first, then the LAN. */
static void
up_writable(void *arg)
{
	struct gw_env	*env = arg;
	size_t		 len = env->pendlen;
	int		 rv;

	if (len > 0) {
		rv = uplink_send_frame(env->up, env->pend, len);
		if (rv == UPLINK_FULL)
			return;		/* still paused, still held */
		env->pendlen = 0;
		if (rv == UPLINK_NOTCONNECTED)
			env->c.send_notconnected++;
		else if (rv == UPLINK_TOOBIG)
			env->c.send_toobig++;
	}
	lan_resume(env);
}

static __dead void
up_exit(int status, void *arg)
{
	(void)arg;
	fatalx("giving up on the relay (exit status %d)", status);
}
