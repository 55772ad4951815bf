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
 * gatewayd: puts a LAN on the relay.  main() and the privileged parent:
 * it reads the configuration, resolves the relay, opens the AF_PACKET
 * socket on the LAN interface (promiscuous, GRO/LRO off), reads the CA
 * certificate, creates the control socket and hands all of it to the
 * sandboxed "gateway" child (gateway.c).  Later it reopens the packet
 * socket when the interface is re-created, and reloads on SIGHUP.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "gatewayd.h"
#include "log.h"
#include "priv.h"
#include "proc.h"

struct gatewayd {
	struct daemon_opts	 opts;
	struct gatewayd_conf	*conf;
	struct gateway_relay	 relay;
	int			 udpfd;
	int			 pktfd;
	struct priv_packet_info	 pktinfo;
	int			 ctlfd;
	struct priv_ctlsock	 ctlsock;	/* removed at exit */
	uint8_t			*ca;
	size_t			 calen;
};

static int	 resolve_relay(const struct gatewayd_conf *,
		    struct gateway_relay *);
static int	 open_udp(const struct gateway_relay *);
static int	 open_packet(const char *, struct priv_packet_info *, int);
static void	 open_control(struct gatewayd *);
static void	 send_conf(struct proc *, struct gatewayd *);
static void	 parent_start(struct proc *);
static void	 parent_reload(struct proc *);
static void	 parent_shutdown(struct proc *);
static void	 parent_packet_check(struct proc *, struct imsg *);

static const struct proc_req gatewayd_reqs[] = {
	{ IMSG_REQ_PACKET_CHECK, "IMSG_REQ_PACKET_CHECK", sizeof(int32_t), 0,
	    parent_packet_check },
	{ IMSG_REQ_VERBOSE, "IMSG_REQ_VERBOSE", sizeof(int32_t), 0,
	    daemon_req_verbose },
	{ IMSG_REQ_RELOAD, "IMSG_REQ_RELOAD", 0, 0, daemon_req_reload },
};

static const struct proc_parent gatewayd_parent = {
	gatewayd_reqs, nitems(gatewayd_reqs), parent_start, parent_reload,
	parent_shutdown
};

static struct proc_child gatewayd_child = {
	"gateway", GATEWAYD_USER, GATEWAYD_CHROOT, gateway_syscalls, 0,
	gateway_child_setup, gateway_child_run, gateway_child_dispatch
};

int
main(int argc, char *argv[])
{
	static struct gatewayd	 env;

	proc_init(&argc, &argv);
	env.udpfd = env.pktfd = env.ctlfd = -1;
	daemon_getopt(argc, argv, &env.opts, GATEWAYD_CONF);
	daemon_child("GATEWAYD_CHILD_USER", &gatewayd_child, &gatewayd_parent,
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
		errx(1, "need root privileges");
	daemon_export_user("GATEWAYD_CHILD_USER", &gatewayd_child,
	    env.conf->user);

	/* The interface first: the most likely mistake, named at once. */
	if ((env.pktfd = open_packet(env.conf->interface, &env.pktinfo,
	    1)) == -1)
		exit(1);
	if (resolve_relay(env.conf, &env.relay) == -1)
		errx(1, "cannot resolve the relay %s", env.conf->relay);
	if ((env.udpfd = open_udp(&env.relay)) == -1)
		errx(1, "cannot open the relay socket");
	if ((env.ca = daemon_read_file(env.conf->ca_certificate,
	    GATEWAY_CA_MAX, &env.calen)) == NULL)
		errx(1, "ca-certificate %s unreadable",
		    env.conf->ca_certificate);
	open_control(&env);

	proc_main(&gatewayd_child, &gatewayd_parent, env.opts.debug, &env);
}


static int
resolve_relay(const struct gatewayd_conf *conf, struct gateway_relay *r)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	int		 error;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	(void)snprintf(port, sizeof(port), "%u", (unsigned int)conf->port);
	if ((error = getaddrinfo(conf->relay, port, &hints, &res)) != 0) {
		log_warnx("relay %s port %s: %s", conf->relay, port,
		    gai_strerror(error));
		return (-1);
	}
	if (res->ai_addrlen > sizeof(r->ss)) {
		log_warnx("relay %s: address too long", conf->relay);
		freeaddrinfo(res);
		return (-1);
	}
	memset(r, 0, sizeof(*r));
	memcpy(&r->ss, res->ai_addr, res->ai_addrlen);
	r->sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

/* A UDP socket bound to the wildcard address of the relay's family. */
static int
open_udp(const struct gateway_relay *r)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[PRIV_ERRLEN];
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = r->ss.ss_family;
	len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if ((fd = priv_udp_bind((struct sockaddr *)&ss, len, err,
	    sizeof(err))) == -1)
		log_warnx("relay socket: %s", err);
	return (fd);
}

static const char *
offload_str(int state)
{
	switch (state) {
	case PRIV_OFFLOAD_OFF:
		return ("off");
	case PRIV_OFFLOAD_DISABLED:
		return ("turned off");
	default:
		return ("still on");
	}
}

static int
open_packet(const char *ifname, struct priv_packet_info *info, int first)
{
	char	 err[PRIV_ERRLEN];
	int	 fd;

	memset(info, 0, sizeof(*info));
	if ((fd = priv_packet_open(ifname, info, err, sizeof(err))) == -1) {
		if (first)
			errx(1, "%s", err);
		log_debug("%s", err);
		return (-1);
	}
	if (info->gro == PRIV_OFFLOAD_DISABLED ||
	    info->lro == PRIV_OFFLOAD_DISABLED)
		log_info("interface %s: GRO %s, LRO %s", ifname,
		    offload_str(info->gro), offload_str(info->lro));
	if (info->gro == PRIV_OFFLOAD_FAILED ||
	    info->lro == PRIV_OFFLOAD_FAILED)
		log_warnx("interface %s: cannot turn off GRO/LRO (%s): "
		    "super-frames will be dropped", ifname,
		    info->offload_err);
	log_info("interface %s: index %d, MAC %s, MTU %u", ifname,
	    info->ifindex, ether_mac_str(&info->hwaddr), info->mtu);
	return (fd);
}

static void
open_control(struct gatewayd *env)
{
	const char	*path = env->conf->control;
	struct passwd	*pw;
	char		 err[PRIV_ERRLEN];
	gid_t		 gid;

	if (*path == '\0')
		path = GATEWAYD_SOCKET;
	if ((pw = getpwnam(gatewayd_child.user)) != NULL)
		gid = pw->pw_gid;
	else
		gid = getegid();
	if ((env->ctlfd = priv_control_socket(path, gid, err,
	    sizeof(err))) == -1)
		errx(1, "control socket: %s", err);
	priv_control_remember(&env->ctlsock, path);
}

/* Configuration, CA, relay socket: at start and on every reload. */
static void
send_conf(struct proc *p, struct gatewayd *env)
{
	const struct gatewayd_conf	*conf = env->conf;
	struct gateway_reconf		 rc;

	memset(&rc, 0, sizeof(rc));
	(void)strlcpy(rc.relay, conf->relay, sizeof(rc.relay));
	rc.port = conf->port;
	(void)strlcpy(rc.server_name, conf->server_name[0] != '\0' ?
	    conf->server_name : conf->relay, sizeof(rc.server_name));
	(void)strlcpy(rc.room, conf->room, sizeof(rc.room));
	(void)strlcpy(rc.secret, conf->secret, sizeof(rc.secret));
	(void)strlcpy(rc.interface, conf->interface, sizeof(rc.interface));
	rc.cam_refresh = conf->cam_refresh;
	rc.mss_clamp = conf->mss_clamp;
	if (proc_compose(p, IMSG_RECONF_CONF, -1, &rc, sizeof(rc)) == -1)
		fatal("%s: proc_compose", __func__);
	explicit_bzero(&rc, sizeof(rc));
	daemon_blob_send(p, IMSG_RECONF_CA, env->ca, env->calen);
	if (proc_compose(p, IMSG_UDP_FD, env->udpfd, &env->relay,
	    sizeof(env->relay)) == -1)
		fatal("%s: proc_compose", __func__);
	env->udpfd = -1;	/* imsg closes it once sent */
}

static void
parent_start(struct proc *p)
{
	struct gatewayd	*env = p->p_arg;

	if (proc_compose(p, IMSG_PACKET_FD, env->pktfd, &env->pktinfo,
	    sizeof(env->pktinfo)) == -1)
		fatal("%s: proc_compose", __func__);
	env->pktfd = -1;
	if (proc_compose(p, IMSG_CONTROL_FD, env->ctlfd, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
	env->ctlfd = -1;
	send_conf(p, env);
	if (proc_compose(p, IMSG_RECONF_END, -1, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
	proc_flush(p);
	log_info("startup: interface %s, relay %s port %u, room %s",
	    env->conf->interface, env->conf->relay,
	    (unsigned int)env->conf->port, env->conf->room);
}

/*
 * SIGHUP (or "reload" on the control socket): a bad configuration keeps
 * the running one.  Relay, room, secret, CA and cam-refresh are applied
 * (the child reconnects if the connection settings changed); interface,
 * user and control socket need a restart.
 */
static void
parent_reload(struct proc *p)
{
	struct gatewayd		*env = p->p_arg;
	struct gatewayd_conf	*nconf;
	struct gateway_relay	 nrelay;
	uint8_t			*nca;
	size_t			 ncalen;
	int			 nfd;

	log_info("reloading %s", env->opts.conffile);
	if ((nconf = parse_config(env->opts.conffile,
	    env->opts.defines, env->opts.ndefines)) == NULL) {
		log_warnx("reload: %s has errors, keeping the running "
		    "configuration", env->opts.conffile);
		return;
	}
	if (resolve_relay(nconf, &nrelay) == -1 ||
	    (nfd = open_udp(&nrelay)) == -1) {
		log_warnx("reload: keeping the running configuration");
		free_config(nconf);
		return;
	}
	if ((nca = daemon_read_file(nconf->ca_certificate, GATEWAY_CA_MAX,
	    &ncalen)) == NULL) {
		log_warnx("reload: ca-certificate %s unreadable, keeping the "
		    "running configuration", nconf->ca_certificate);
		close(nfd);
		free_config(nconf);
		return;
	}
	if (strcmp(env->conf->interface, nconf->interface) != 0 ||
	    strcmp(env->conf->user, nconf->user) != 0 ||
	    strcmp(env->conf->control, nconf->control) != 0)
		log_warnx("reload: interface, user or control socket "
		    "changed; they take effect at the next restart");
	daemon_blob_free(&env->ca, &env->calen);
	env->ca = nca;
	env->calen = ncalen;
	env->relay = nrelay;
	env->udpfd = nfd;
	/* The interface the packet socket is on stays the running one. */
	(void)strlcpy(nconf->interface, env->conf->interface,
	    sizeof(nconf->interface));
	free_config(env->conf);
	env->conf = nconf;
	send_conf(p, env);
	if (proc_compose(p, IMSG_RECONF_END, -1, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
}

static void
parent_shutdown(struct proc *p)
{
	struct gatewayd	*env = p->p_arg;

	(void)priv_control_remove(&env->ctlsock);
	daemon_blob_free(&env->ca, &env->calen);
}

/* The child's packet socket failed: is the interface still the same? */
static void
parent_packet_check(struct proc *p, struct imsg *imsg)
{
	struct gatewayd		*env = p->p_arg;
	struct priv_packet_info	 info;
	const char		*ifname = env->conf->interface;
	char			 msg[PRIV_ERRLEN];
	unsigned int		 idx;
	int32_t			 old;
	int			 fd;

	if (imsg_get_data(imsg, &old, sizeof(old)) == -1)
		proc_fail(p, "IMSG_REQ_PACKET_CHECK: %s", strerror(errno));
	idx = if_nametoindex(ifname);
	if (idx != 0 && (int32_t)idx == old) {
		if (proc_compose(p, IMSG_PACKET_SAME, -1, NULL, 0) == -1)
			fatal("%s: proc_compose", __func__);
		return;
	}
	if (idx == 0 || (fd = open_packet(ifname, &info, 0)) == -1) {
		(void)snprintf(msg, sizeof(msg), "interface %s: %s", ifname,
		    idx == 0 ? "no such interface" : "cannot open");
		if (proc_compose(p, IMSG_PACKET_GONE, -1, msg,
		    strlen(msg) + 1) == -1)
			fatal("%s: proc_compose", __func__);
		return;
	}
	log_info("interface %s: re-created (index %d, was %d), packet "
	    "socket reopened", ifname, info.ifindex, (int)old);
	if (proc_compose(p, IMSG_PACKET_FD, fd, &info,
	    sizeof(info)) == -1)
		fatal("%s: proc_compose", __func__);
}


