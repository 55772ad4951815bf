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
 * a retry cannot fix ends the daemon with status 1 (IMSG_CL_EXIT).
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

#include "client.h"
#include "clientd.h"
#include "control.h"
#include "ctlmsg.h"
#include "daemon.h"
#include "ether.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "session.h"
#include "tapfilter.h"
#include "uplink.h"

#define CLIENT_VERSION		"0.1"
#define CLIENT_TAP_ROUNDS	64	/* frames per TAP read event */
#define CLIENT_TAPBUF		65536	/* a read never truncates a frame */
#define CLIENT_MAX_COUNTERS	128

const int client_syscalls[] = {
	SCMP_SYS(accept4),
	SCMP_SYS(accept),
	SCMP_SYS(fcntl),
	SCMP_SYS(getsockname),
	SCMP_SYS(shutdown),
	SANDBOX_END
};

/* TAP side: every frame that is not passed on is counted here. */
struct client_counters {
	uint64_t		 tap_frames_in;		/* read from the TAP */
	uint64_t		 tap_frames_sent;	/* to the uplink */
	uint64_t		 tap_drop_notconnected;
	uint64_t		 tap_drop_toobig;
	uint64_t		 tap_drop_full;
	uint64_t		 tap_read_errors;
	uint64_t		 tap_frames_out;	/* written to the TAP */
	uint64_t		 tap_bytes_out;
	uint64_t		 tap_write_down;	/* EIO: link down */
	uint64_t		 tap_write_full;	/* EAGAIN */
	uint64_t		 tap_write_short;
	uint64_t		 tap_write_errors;	/* anything else */
	uint64_t		 mtu_changes;
	uint64_t		 mtu_failures;
};

struct client_env {
	struct proc		*p;
	struct event_base	*base;
	struct client_reconf	 conf;
	int			 have_conf;
	uint8_t			*ca;
	size_t			 calen;
	int			 tapfd;
	int			 udpfd;
	int			 ctlfd;
	int			 started;
	int			 exiting;
	struct event		 ev_tap;
	struct uplink		*up;
	struct control		*ctl;
	struct tapfilter	 tf;
	uint32_t		 tap_mtu;	/* as the parent set it */
	uint64_t		 start_ms;
	struct client_counters	 c;
	struct event		 ev_sigterm;
	struct event		 ev_sigint;
};

static struct client_env	 cenv;
static uint8_t			 tapbuf[CLIENT_TAPBUF];

static uint64_t	 now_ms(void);
static void	 client_start(struct client_env *);
static void	 client_stop(int, short, void *);
static void	 tap_read(int, short, void *);
static void	 up_frame(const uint8_t *, size_t, void *);
static void	 up_welcome(const struct ctlmsg_welcome *, void *);
static void	 up_state(enum session_state, enum session_state, void *);
static int	 up_set_mtu(uint32_t, void *);
static void	 up_exit(int, void *);
static void	 control_handler(struct ctl_conn *, uint32_t, const void *,
		    size_t, void *);

static const struct uplink_cb client_uplink_cb = {
	.frame = up_frame,
	.welcome = up_welcome,
	.state = up_state,
	.set_mtu = up_set_mtu,
	.exit = up_exit,
};

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Framework hooks. */

void
client_child_setup(struct proc *p)
{
	struct client_env	*env = &cenv;

	env->p = p;
	env->tapfd = env->udpfd = env->ctlfd = -1;
	env->start_ms = now_ms();
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
	case IMSG_CL_CONF:
		if (env->started)
			fatalx("IMSG_CL_CONF after start");
		if (imsg_get_data(imsg, &env->conf, sizeof(env->conf)) == -1)
			fatal("IMSG_CL_CONF");
		env->conf.relay[sizeof(env->conf.relay) - 1] = '\0';
		env->conf.server_name[sizeof(env->conf.server_name) - 1] =
		    '\0';
		env->conf.room[sizeof(env->conf.room) - 1] = '\0';
		env->conf.secret[sizeof(env->conf.secret) - 1] = '\0';
		env->conf.tap[sizeof(env->conf.tap) - 1] = '\0';
		env->have_conf = 1;
		break;
	case IMSG_CL_CA:
		daemon_blob_append(&env->ca, &env->calen, imsg,
		    CLIENT_CA_MAX, "IMSG_CL_CA");
		break;
	case IMSG_CL_TAP_FD:
		take_fd(imsg, &env->tapfd, "IMSG_CL_TAP_FD");
		break;
	case IMSG_CL_UDP_FD:
		take_fd(imsg, &env->udpfd, "IMSG_CL_UDP_FD");
		break;
	case IMSG_CL_CONTROL_FD:
		take_fd(imsg, &env->ctlfd, "IMSG_CL_CONTROL_FD");
		break;
	case IMSG_CL_END:
		if (env->started)
			fatalx("IMSG_CL_END: started already");
		client_start(env);
		break;
	case IMSG_CL_RELAY:
		if (imsg_get_data(imsg, &r, sizeof(r)) == -1)
			fatal("IMSG_CL_RELAY");
		if (env->up == NULL || uplink_set_relay(env->up,
		    (struct sockaddr *)&r.ss, r.sslen) == -1)
			log_warnx("relay address from the parent not usable");
		else {
			env->conf.addr = r;
			log_info("relay address changed, used from the next "
			    "connection attempt on");
		}
		break;
	case IMSG_CL_MTU_DONE:
		if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
			fatal("IMSG_CL_MTU_DONE");
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
	uc.session.role = CTLMSG_ROLE_CLIENT;
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
	    "softlan-clientd/%s linux", CLIENT_VERSION);
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
	    control_handler, env)) == NULL)
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
up_welcome(const struct ctlmsg_welcome *w, void *arg)
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

/* Asked of the parent; it answers IMSG_CL_MTU_DONE. */
static int
up_set_mtu(uint32_t mtu, void *arg)
{
	struct client_env	*env = arg;

	if (mtu < CLIENT_MTU_MIN || mtu > CLIENT_MTU_MAX) {
		log_warnx("room MTU %u out of %d..%d: not set", mtu,
		    CLIENT_MTU_MIN, CLIENT_MTU_MAX);
		return (-1);
	}
	if (proc_compose(env->p, IMSG_CL_SET_MTU, -1, &mtu,
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
	if (proc_compose(env->p, IMSG_CL_EXIT, -1, &st, sizeof(st)) == -1)
		fatal("%s: proc_compose", __func__);
	proc_flush(env->p);
}

/* The control socket. */

static const char *
state_word(enum session_state s)
{
	switch (s) {
	case SESSION_CONNECTING:
	case SESSION_HELLO_SENT:
		return ("connecting");
	case SESSION_CONNECTED:
		return ("connected");
	case SESSION_RETRYING:
		return ("retrying");
	case SESSION_STOPPED:
		return ("stopped");
	default:
		return ("disconnected");
	}
}

static cJSON *
show_status(struct client_env *env)
{
	struct uplink_status	 st;
	enum session_state	 s;
	char			 line[SESSION_TEXTMAX + 64];
	cJSON			*o;

	uplink_status(env->up, &st);
	s = uplink_state(env->up);
	switch (s) {
	case SESSION_CONNECTED:
		snprintf(line, sizeof(line), "connected (room %s, peer id %u, "
		    "room MTU %u, %zu peer%s, rtt %llu.%llu ms)", st.session.room,
		    st.session.peer_id, st.session.room_mtu, st.session.npeers,
		    st.session.npeers == 1 ? "" : "s",
		    (unsigned long long)(st.rtt_us / 1000),
		    (unsigned long long)(st.rtt_us % 1000 / 100));
		break;
	case SESSION_RETRYING:
		snprintf(line, sizeof(line), "retrying in %llu s (%s)",
		    (unsigned long long)(st.session.retry_in_ms + 999) / 1000,
		    st.session.last_error);
		break;
	case SESSION_STOPPED:
		snprintf(line, sizeof(line), "stopped (%s)",
		    st.session.last_error);
		break;
	default:
		snprintf(line, sizeof(line), "%s", state_word(s));
		break;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "daemon", "clientd");
	cJSON_AddStringToObject(o, "version", CLIENT_VERSION);
	cJSON_AddStringToObject(o, "status", line);
	cJSON_AddStringToObject(o, "state", state_word(s));
	cJSON_AddStringToObject(o, "session", st.session.state);
	cJSON_AddStringToObject(o, "relay", st.relay);
	cJSON_AddStringToObject(o, "route_pinned",
	    env->conf.pinned ? "yes" : "no");
	cJSON_AddStringToObject(o, "room", env->conf.room);
	cJSON_AddStringToObject(o, "mac", ether_mac_str(&env->conf.mac));
	cJSON_AddStringToObject(o, "tap", env->conf.tap);
	control_json_num(o, "tap_mtu", env->tap_mtu);
	if (s == SESSION_CONNECTED) {
		control_json_num(o, "peer_id", st.session.peer_id);
		control_json_num(o, "room_mtu", st.session.room_mtu);
		control_json_num(o, "peers", st.session.npeers);
		control_json_num(o, "connected_for",
		    st.session.connected_ms / 1000);
		cJSON_AddStringToObject(o, "cipher", st.cipher);
		control_json_num(o, "frame_budget", st.budget);
		control_json_num(o, "rtt_us", st.rtt_us);
	}
	if (s == SESSION_RETRYING)
		control_json_num(o, "retry_in",
		    (st.session.retry_in_ms + 999) / 1000);
	cJSON_AddStringToObject(o, "last_error", st.session.last_error);
	if (st.session.counters != NULL) {
		control_json_num(o, "connects", st.session.counters->connects);
		control_json_num(o, "welcomes", st.session.counters->welcomes);
	}
	control_json_num(o, "uptime", (now_ms() - env->start_ms) / 1000);
	control_json_num(o, "log_level", log_getverbose());
	return (o);
}

static cJSON *
show_peers(struct client_env *env)
{
	struct uplink_status	 st;
	cJSON			*o, *a, *e;
	size_t			 i;

	uplink_status(env->up, &st);
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "peers");
	for (i = 0; i < st.session.npeers && st.session.peers != NULL; i++) {
		e = cJSON_CreateObject();
		control_json_num(e, "peer_id", st.session.peers[i].peer_id);
		cJSON_AddStringToObject(e, "role",
		    ctlmsg_role_name(st.session.peers[i].role));
		cJSON_AddStringToObject(e, "mac",
		    ether_mac_str(&st.session.peers[i].mac));
		cJSON_AddItemToArray(a, e);
	}
	return (o);
}

static cJSON *
show_counters(struct client_env *env)
{
	struct ctlmsg_counter		 cs[CLIENT_MAX_COUNTERS];
	const struct client_counters	*c = &env->c;
	const struct tapfilter_counters	*tc = &env->tf.counters;
	char				 name[64];
	cJSON				*o, *a;
	size_t				 i, n;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "counters");
	control_json_counter(a, "tap-frames-in", c->tap_frames_in);
	control_json_counter(a, "tap-bytes-in", tc->bytes_in);
	control_json_counter(a, "tap-frames-passed", tc->frames_pass);
	for (i = 1; i < TAPF_REASON_MAX; i++) {
		snprintf(name, sizeof(name), "tap-drop-%s",
		    tapfilter_reason_name(i));
		control_json_counter(a, name, tc->drops[i]);
	}
	control_json_counter(a, "tap-frames-sent", c->tap_frames_sent);
	control_json_counter(a, "tap-drop-not-connected",
	    c->tap_drop_notconnected);
	control_json_counter(a, "tap-drop-too-big", c->tap_drop_toobig);
	control_json_counter(a, "tap-drop-queue-full", c->tap_drop_full);
	control_json_counter(a, "tap-read-errors", c->tap_read_errors);
	control_json_counter(a, "tap-frames-out", c->tap_frames_out);
	control_json_counter(a, "tap-bytes-out", c->tap_bytes_out);
	control_json_counter(a, "tap-write-link-down", c->tap_write_down);
	control_json_counter(a, "tap-write-full", c->tap_write_full);
	control_json_counter(a, "tap-write-short", c->tap_write_short);
	control_json_counter(a, "tap-write-errors", c->tap_write_errors);
	control_json_counter(a, "tap-mtu-changes", c->mtu_changes);
	control_json_counter(a, "tap-mtu-failures", c->mtu_failures);
	n = uplink_counters_export(env->up, cs, nitems(cs));
	for (i = 0; i < n; i++)
		control_json_counter(a, cs[i].name, cs[i].value);
	control_json_counters(a, env->ctl);
	return (o);
}

static void
control_handler(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, void *arg)
{
	struct client_env	*env = arg;
	cJSON			*o = NULL;

	switch (type) {
	case IMSG_CTL_SHOW_STATUS:
		o = show_status(env);
		break;
	case IMSG_CTL_SHOW_PEERS:
		o = show_peers(env);
		break;
	case IMSG_CTL_SHOW_COUNTERS:
		o = show_counters(env);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		daemon_ctl_verbose(cc, data, len, env->p, IMSG_CL_CTL_VERBOSE);
		return;
	case IMSG_CTL_SHOW_ROOMS:
		control_reply_error(cc, "clientd has one room: see show "
		    "status");
		return;
	default:
		control_reply_error(cc, "unknown request");
		return;
	}
	control_reply_cjson(cc, o);
}
