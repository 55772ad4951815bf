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
 * clientd: the player's daemon.  main() and the privileged parent: it
 * reads the configuration, resolves the relay, pins a host route to it,
 * creates the TAP with the virtual MAC, binds the QUIC socket, creates
 * the control socket and hands all of it to the sandboxed "client" child
 * (client.c).  Afterwards it only sets the TAP's MTU when the child asks,
 * and removes the pinned route when it exits.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clientd.h"
#include "daemon.h"
#include "ether.h"
#include "log.h"
#include "priv.h"
#include "proc.h"

struct clientd {
	struct daemon_opts	 opts;
	struct clientd_conf	*conf;
	struct ether_mac	 mac;
	struct client_relay	 relay;
	int			 pinned;	/* priv_route_pin added one */
	struct client_relay	 pin;		/* the address pinned */
	int			 tapfd;
	int			 udpfd;
	int			 ctlfd;
	struct priv_ctlsock	 ctlsock;	/* removed at exit */
	uint8_t			*ca;
	size_t			 calen;
};

static struct clientd	 env;

static int	 machine_mac(struct ether_mac *, char *, size_t);
static const char *addr_str(const struct sockaddr *);
static void	 pin_route(struct clientd *);
static void	 unpin_route(struct clientd *);
static void	 unpin_atexit(void);
static void	 open_tap(struct clientd *);
static void	 open_udp(struct clientd *);
static void	 open_control(struct clientd *, const char *);
static void	 parent_start(struct proc *);
static void	 parent_reload(struct proc *);
static void	 parent_shutdown(struct proc *);
static void	 parent_set_mtu(struct proc *, struct imsg *);
static void	 parent_exit(struct proc *, struct imsg *);

static const struct proc_req clientd_reqs[] = {
	{ IMSG_REQ_SET_MTU, "IMSG_REQ_SET_MTU", sizeof(uint32_t), 0,
	    parent_set_mtu },
	{ IMSG_REQ_EXIT, "IMSG_REQ_EXIT", sizeof(int32_t), PROC_ONCE,
	    parent_exit },
	{ IMSG_REQ_VERBOSE, "IMSG_REQ_VERBOSE", sizeof(int32_t), 0,
	    daemon_req_verbose },
	{ IMSG_REQ_RELOAD, "IMSG_REQ_RELOAD", 0, 0, daemon_req_reload },
};

static const struct proc_parent clientd_parent = {
	clientd_reqs, nitems(clientd_reqs), parent_start, parent_reload,
	parent_shutdown
};

static struct proc_child clientd_child = {
	"client", CLIENTD_USER, CLIENTD_CHROOT, client_syscalls, 0,
	client_child_setup, client_child_run, client_child_dispatch
};

int
main(int argc, char *argv[])
{
	char		 errbuf[PRIV_ERRLEN];
	const char	*ctlpath;

	proc_init(&argc, &argv);
	env.tapfd = env.udpfd = env.ctlfd = -1;
	daemon_getopt(argc, argv, &env.opts, CLIENTD_CONF);
	daemon_child("CLIENTD_CHILD_USER", &clientd_child, &clientd_parent,
	    env.opts.debug, &env);

	if ((env.conf = parse_config(env.opts.conffile, env.opts.defines,
	    env.opts.ndefines)) == NULL)
		exit(1);
	if (env.opts.noaction) {
		if (env.opts.verbose)
			print_config(env.conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	if (geteuid() != 0)
		errx(1, "need root privileges (TAP, routes)");
	daemon_export_user("CLIENTD_CHILD_USER", &clientd_child,
	    env.conf->user);

	if (env.conf->mac_set)
		env.mac = env.conf->mac;
	else {
		if (machine_mac(&env.mac, errbuf, sizeof(errbuf)) == -1)
			errx(1, "no virtual-mac configured and %s", errbuf);
		log_info("virtual MAC %s (derived from %s; set virtual-mac "
		    "to choose another)", ether_mac_str(&env.mac),
		    CLIENTD_MACHINE_ID);
	}

	if (client_resolve_relay(env.conf, &env.relay, errbuf,
	    sizeof(errbuf)) == -1)
		errx(1, "relay %s: %s", env.conf->relay, errbuf);
	log_info("relay %s is %s", env.conf->relay,
	    addr_str((struct sockaddr *)&env.relay.ss));

	if ((env.ca = daemon_read_file(env.conf->ca_certificate,
	    CLIENT_CA_MAX, &env.calen)) == NULL)
		errx(1, "ca-certificate %s unreadable",
		    env.conf->ca_certificate);
	/* Whatever ends the parent from here on removes the pinned route. */
	if (atexit(unpin_atexit) != 0)
		errx(1, "atexit failed");
	if (env.conf->pin_route)
		pin_route(&env);
	open_tap(&env);
	open_udp(&env);
	ctlpath = env.conf->control[0] != '\0' ? env.conf->control :
	    CLIENTD_SOCKET;
	open_control(&env, ctlpath);

	proc_main(&clientd_child, &clientd_parent, env.opts.debug, &env);
}

/*
 * A stable virtual MAC for this machine, derived from the systemd machine
 * id (clientconf.c: client_machine_id(), client_mac_derive()).
 */
static int
machine_mac(struct ether_mac *mac, char *err, size_t errlen)
{
	char	 id[CLIENTD_MACHINE_ID_MAX];
	int	 rv = 0;

	if (client_machine_id(id, sizeof(id), err, errlen) == -1)
		return (-1);
	if (client_mac_derive(id, strlen(id), mac) == -1)
		rv = priv_seterr(err, errlen, "SHA-256 failed");
	explicit_bzero(id, sizeof(id));
	return (rv);
}

static const char *
addr_str(const struct sockaddr *sa)
{
	static char	 buf[INET6_ADDRSTRLEN + 16];
	char		 h[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h));
		snprintf(buf, sizeof(buf), "%s port %u", h,
		    ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, h, sizeof(h));
		snprintf(buf, sizeof(buf), "%s port %u", h,
		    ntohs(sin6->sin6_port));
	} else
		snprintf(buf, sizeof(buf), "(family %d)", sa->sa_family);
	return (buf);
}

/*
 * A host route to the relay through the current underlay gateway, so a
 * default route learned over the TAP never carries the tunnel itself.
 */
static void
pin_route(struct clientd *e)
{
	char	 err[PRIV_ERRLEN];
	int	 rc;

	rc = priv_route_pin((struct sockaddr *)&e->relay.ss, err,
	    sizeof(err));
	if (rc == -1)
		fatalx("route-pinning: %s", err);
	if (rc == 0) {
		e->pinned = 1;
		e->pin = e->relay;
		log_info("pinned a host route to the relay %s",
		    addr_str((struct sockaddr *)&e->pin.ss));
	} else
		log_info("route-pinning: nothing to pin for %s (on-link, "
		    "local or a host route exists)",
		    addr_str((struct sockaddr *)&e->relay.ss));
}

static void
unpin_route(struct clientd *e)
{
	char	 err[PRIV_ERRLEN];

	if (!e->pinned)
		return;
	e->pinned = 0;
	if (priv_route_unpin((struct sockaddr *)&e->pin.ss, err,
	    sizeof(err)) == -1)
		log_warnx("route-pinning: %s", err);
	else
		log_info("removed the host route to the relay %s",
		    addr_str((struct sockaddr *)&e->pin.ss));
}

static void
unpin_atexit(void)
{
	unpin_route(&env);
}

static void
open_tap(struct clientd *e)
{
	struct clientd_conf	*conf = e->conf;
	char			 err[PRIV_ERRLEN];

	if ((e->tapfd = priv_tap_open(conf->tap, &e->mac, CLIENT_MTU_DEFAULT,
	    err, sizeof(err))) == -1)
		fatalx("tap: %s", err);
	log_info("tap %s up, MAC %s", conf->tap, ether_mac_str(&e->mac));
	if (conf->addr_set) {
		if (priv_tap_set_addr(conf->tap, (struct sockaddr *)&conf->addr,
		    conf->prefixlen, err, sizeof(err)) == -1)
			fatalx("address: %s", err);
		log_info("tap %s: address %s/%u", conf->tap,
		    addr_str((struct sockaddr *)&conf->addr), conf->prefixlen);
	} else
		log_info("tap %s: no address configured, a DHCP client "
		    "configures it", conf->tap);
}

/* Unconnected, wildcard-bound: the connection survives address changes. */
static void
open_udp(struct clientd *e)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	socklen_t		 len;
	char			 err[PRIV_ERRLEN];

	memset(&ss, 0, sizeof(ss));
	if (e->relay.ss.ss_family == AF_INET) {
		sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		len = sizeof(*sin6);
	}
	if ((e->udpfd = priv_udp_bind((struct sockaddr *)&ss, len, err,
	    sizeof(err))) == -1)
		fatalx("quic socket: %s", err);
}

static void
open_control(struct clientd *e, const char *path)
{
	struct passwd	*pw;
	char		 err[PRIV_ERRLEN];
	gid_t		 gid;

	if ((pw = getpwnam(clientd_child.user)) != NULL)
		gid = pw->pw_gid;
	else
		gid = getegid();
	if ((e->ctlfd = priv_control_socket(path, gid, err,
	    sizeof(err))) == -1)
		fatalx("control socket: %s", err);
	priv_control_remember(&e->ctlsock, path);
}

/* The child is forked: hand it the configuration and the descriptors. */
static void
parent_start(struct proc *p)
{
	struct clientd		*e = p->p_arg;
	struct clientd_conf	*conf = e->conf;
	struct client_reconf	 rc;

	memset(&rc, 0, sizeof(rc));
	if (strlcpy(rc.relay, conf->relay, sizeof(rc.relay)) >=
	    sizeof(rc.relay) ||
	    strlcpy(rc.server_name, conf->server_name,
	    sizeof(rc.server_name)) >= sizeof(rc.server_name) ||
	    strlcpy(rc.room, conf->room, sizeof(rc.room)) >= sizeof(rc.room) ||
	    strlcpy(rc.secret, conf->secret, sizeof(rc.secret)) >=
	    sizeof(rc.secret) ||
	    strlcpy(rc.tap, conf->tap, sizeof(rc.tap)) >= sizeof(rc.tap))
		fatalx("%s: configuration string too long", __func__);
	rc.mac = e->mac;
	rc.tap_mtu = CLIENT_MTU_DEFAULT;
	rc.pinned = e->pinned;
	rc.mss_clamp = conf->mss_clamp;
	rc.addr = e->relay;
	if (proc_compose(p, IMSG_RECONF_CONF, -1, &rc, sizeof(rc)) == -1)
		fatal("%s: proc_compose", __func__);
	explicit_bzero(&rc, sizeof(rc));
	daemon_blob_send(p, IMSG_RECONF_CA, e->ca, e->calen);
	/* imsg closes each fd once sent: the child holds the only copy. */
	if (proc_compose(p, IMSG_TAP_FD, e->tapfd, NULL, 0) == -1 ||
	    proc_compose(p, IMSG_UDP_FD, e->udpfd, NULL, 0) == -1 ||
	    proc_compose(p, IMSG_CONTROL_FD, e->ctlfd, NULL, 0) == -1 ||
	    proc_compose(p, IMSG_RECONF_END, -1, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
	e->tapfd = e->udpfd = e->ctlfd = -1;
	proc_flush(p);
	daemon_blob_free(&e->ca, &e->calen);
	log_info("startup: room %s, relay %s, tap %s", conf->room,
	    conf->relay, conf->tap);
}

/*
 * SIGHUP: resolve the relay's name again (a relay that moved), pin the
 * route to the new address, and tell the child for its next connection
 * attempt.  Other settings need a restart.
 */
static void
parent_reload(struct proc *p)
{
	struct clientd		*e = p->p_arg;
	struct client_relay	 nr;
	char			 err[PRIV_ERRLEN];

	log_info("reload: resolving relay %s again (other settings need a "
	    "restart)", e->conf->relay);
	if (client_resolve_relay(e->conf, &nr, err, sizeof(err)) == -1) {
		log_warnx("reload: relay %s: %s, keeping %s", e->conf->relay,
		    err, addr_str((struct sockaddr *)&e->relay.ss));
		return;
	}
	if (nr.ss.ss_family != e->relay.ss.ss_family) {
		log_warnx("reload: relay %s changed address family, restart "
		    "clientd to use %s", e->conf->relay,
		    addr_str((struct sockaddr *)&nr.ss));
		return;
	}
	if (nr.sslen == e->relay.sslen &&
	    memcmp(&nr.ss, &e->relay.ss, nr.sslen) == 0) {
		log_info("reload: relay %s still %s", e->conf->relay,
		    addr_str((struct sockaddr *)&nr.ss));
		return;
	}
	e->relay = nr;
	log_info("reload: relay %s is now %s", e->conf->relay,
	    addr_str((struct sockaddr *)&nr.ss));
	if (e->conf->pin_route) {
		unpin_route(e);
		if (priv_route_pin((struct sockaddr *)&e->relay.ss, err,
		    sizeof(err)) == -1)
			log_warnx("route-pinning: %s", err);
		else {
			e->pinned = 1;
			e->pin = e->relay;
		}
	}
	if (proc_compose(p, IMSG_RELAY_ADDR, -1, &e->relay,
	    sizeof(e->relay)) == -1)
		fatal("%s: proc_compose", __func__);
}

static void
parent_shutdown(struct proc *p)
{
	struct clientd	*e = p->p_arg;

	(void)priv_control_remove(&e->ctlsock);
	unpin_route(e);
}

/* The room MTU from welcome, for the TAP. */
static void
parent_set_mtu(struct proc *p, struct imsg *imsg)
{
	struct clientd		*e = p->p_arg;
	struct client_mtu	 m;
	char			 err[PRIV_ERRLEN];
	uint32_t		 mtu;

	if (imsg_get_data(imsg, &mtu, sizeof(mtu)) == -1)
		proc_fail(p, "IMSG_REQ_SET_MTU: %s", strerror(errno));
	if (mtu < CLIENT_MTU_MIN || mtu > CLIENT_MTU_MAX)
		proc_fail(p, "IMSG_REQ_SET_MTU: MTU %u out of %d..%d", mtu,
		    CLIENT_MTU_MIN, CLIENT_MTU_MAX);
	memset(&m, 0, sizeof(m));
	m.mtu = mtu;
	if (priv_tap_set_mtu(e->conf->tap, mtu, err, sizeof(err)) == -1)
		log_warnx("room MTU: %s", err);
	else {
		m.ok = 1;
		log_info("tap %s: MTU %u (the room's)", e->conf->tap, mtu);
	}
	if (proc_compose(p, IMSG_MTU_DONE, -1, &m, sizeof(m)) == -1)
		fatal("%s: proc_compose", __func__);
}

/* A reject a retry cannot fix: stop the child, exit with its status. */
static void
parent_exit(struct proc *p, struct imsg *imsg)
{
	int32_t	 status;

	if (imsg_get_data(imsg, &status, sizeof(status)) == -1)
		proc_fail(p, "IMSG_REQ_EXIT: %s", strerror(errno));
	if (status < 0 || status > 125)
		proc_fail(p, "IMSG_REQ_EXIT: status %d out of 0..125", status);
	log_warnx("the client gave up, exiting with status %d", status);
	proc_shutdown(p, status);
}

