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
 * owns the TAP and the QUIC socket the parent opened and runs the
 * client's core (clientcore.c, shared with the Windows worker: the
 * uplink to the relay, the TAP filter, the counters) on them: this file
 * reads and writes the TAP and talks to the parent.  It serves the
 * control socket (status, peers, counters: control.c).
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
static void	 tap_pause(int, void *);
static enum client_tapw tap_write(const uint8_t *, size_t, void *);
static int	 client_set_mtu(uint32_t, void *);
static void	 client_exit(int, void *);
static void	 client_ctl_other(struct ctl_conn *, uint32_t, const void *,
		    size_t, void *);

static const struct client_core_ops client_core_ops = {
	.tap_write = tap_write,
	.set_mtu = client_set_mtu,
	.exit = client_exit,
	.ctl_other = client_ctl_other,
	.tap_pause = tap_pause,
};

/* Framework hooks. */

void
client_child_setup(struct proc *p)
{
	struct client_env	*env = &cenv;

	env->p = p;
	env->tapfd = env->udpfd = env->ctlfd = -1;
	env->core.platform = "linux";
	env->core.ops = &client_core_ops;
	env->core.arg = env;
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
	struct client_reconf	*conf = &env->core.conf;
	struct client_relay	 r;
	struct client_mtu	 m;

	(void)p;
	switch (imsg_get_type(imsg)) {
	case IMSG_RECONF_CONF:
		if (env->started)
			fatalx("IMSG_RECONF_CONF after start");
		if (imsg_get_data(imsg, conf, sizeof(*conf)) == -1)
			fatal("IMSG_RECONF_CONF");
		client_reconf_terminate(conf);
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
		(void)client_core_relay_addr(&env->core, &r);
		break;
	case IMSG_MTU_DONE:
		if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
			fatal("IMSG_MTU_DONE");
		client_core_mtu_done(&env->core, m.mtu, m.ok);
		break;
	default:
		fatalx("unexpected imsg type %u from the parent",
		    imsg_get_type(imsg));
	}
}

static void
client_start(struct client_env *env)
{
	char			 err[256];

	if (!env->have_conf || env->tapfd == -1 || env->udpfd == -1 ||
	    env->calen == 0)
		fatalx("incomplete configuration from the parent");
	if (env->ctlfd != -1 && (env->core.ctl = control_init(env->ctlfd,
	    client_control, &env->core)) == NULL)
		log_warnx("control socket not served");
	event_set(&env->ev_tap, env->tapfd, EV_READ | EV_PERSIST, tap_read,
	    env);
	if (event_add(&env->ev_tap, NULL) == -1)
		fatalx("event_add on the tap");
	env->started = 1;
	if (client_core_start(&env->core, env->base, env->udpfd, env->ca,
	    env->calen, err, sizeof(err)) == -1)
		fatalx("%s", err);
	env->udpfd = -1;		/* the uplink owns it */
	daemon_blob_free(&env->ca, &env->calen);
}

/* SIGTERM/SIGINT: say goodbye to the relay, then exit. */
static void
client_stop(int sig, short event, void *arg)
{
	struct client_env	*env = arg;

	(void)event;
	log_debug("received SIG%s, exiting", sigabbrev_np(sig));
	client_core_stop(&env->core, "clientd stopping");
	proc_shutdown(env->p, 0);
}

/* TAP -> relay: the core takes each frame. */
static void
tap_read(int fd, short event, void *arg)
{
	struct client_env	*env = arg;
	ssize_t			 n;
	int			 i;

	(void)event;
	for (i = 0; i < CLIENT_TAP_ROUNDS; i++) {
		if ((n = read(fd, tapbuf, sizeof(tapbuf))) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			env->core.c.tap_read_errors++;
			log_debug("tap %s: read: %s", env->core.conf.tap,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		client_core_tap_frame(&env->core, tapbuf, (size_t)n);
		if (env->core.tap_paused)
			break;
	}
}

/* Back-pressure from the uplink: the TAP's queue holds frames meanwhile. */
static void
tap_pause(int paused, void *arg)
{
	struct client_env	*env = arg;

	if (paused)
		event_del(&env->ev_tap);
	else if (event_add(&env->ev_tap, NULL) == -1)
		fatalx("event_add on the tap");
}

/* Relay -> TAP. */
static enum client_tapw
tap_write(const uint8_t *f, size_t len, void *arg)
{
	struct client_env	*env = arg;
	ssize_t			 n;

	if ((n = write(env->tapfd, f, len)) == -1) {
		switch (errno) {
		case EIO:	/* the TAP is down: not fatal */
			return (CLIENT_TAPW_DOWN);
		case EAGAIN:
			return (CLIENT_TAPW_FULL);
		default:
			log_debug("tap %s: write: %s", env->core.conf.tap,
			    strerror(errno));
			return (CLIENT_TAPW_ERROR);
		}
	}
	if ((size_t)n != len)
		return (CLIENT_TAPW_SHORT);
	return (CLIENT_TAPW_OK);
}

/* Asked of the parent; it answers IMSG_MTU_DONE. */
static int
client_set_mtu(uint32_t mtu, void *arg)
{
	struct client_env	*env = arg;

	if (proc_compose(env->p, IMSG_REQ_SET_MTU, -1, &mtu,
	    sizeof(mtu)) == -1)
		return (-1);
	return (0);
}

/* A reject a retry cannot fix: the parent ends us both. */
static void
client_exit(int status, void *arg)
{
	struct client_env	*env = arg;
	int32_t			 st = status;

	event_del(&env->ev_tap);
	if (proc_compose(env->p, IMSG_REQ_EXIT, -1, &st, sizeof(st)) == -1)
		fatal("%s: proc_compose", __func__);
	proc_flush(env->p);
}

/* log verbose, reload: the framework's, as in every daemon. */
static void
client_ctl_other(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, void *arg)
{
	struct client_env	*env = arg;

	daemon_ctl_common(cc, type, data, len, env->p);
}
