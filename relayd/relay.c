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
 * The "relay" child: chrooted, unprivileged, seccomp-confined.  It owns
 * the UDP sockets the parent bound, runs the QUIC connections (quic.c),
 * admits peers and forwards their frames (room.c), and serves the control
 * socket.
 *
 * UDP is read and written in batches (recvmmsg, sendmmsg) through fixed
 * buffers; the forwarding path allocates nothing per frame.  A received
 * packet finds its connection by destination connection ID (an RB tree
 * fed by quic.c's cid_add/cid_remove); an unknown ID on a long-header
 * packet may start a connection, on a short-header packet it is answered
 * with a stateless reset (rate limited), so peers of a restarted relay
 * learn at once that their connection is gone.
 *
 * Address validation: while retry-threshold or more handshakes come from
 * unvalidated addresses (0: always), an Initial without a token is
 * answered with a Retry; one with a valid Retry token starts a
 * connection whose address is proven, which is not counted among the
 * unvalidated handshakes; a bad token is dropped.  Every case is counted.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <event.h>
#include <malloc.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "egress.h"
#include "ether.h"
#include "log.h"
#include "mtu.h"
#include "overlay.h"
#include "proc.h"
#include "quic.h"
#include "relayd.h"
#include "room.h"
#include "sandbox.h"
#include "udpseg.h"
#include "wiremsg.h"

#define RELAY_BATCH		32	/* datagrams per recvmmsg/sendmmsg */
#define RELAY_RXBUF		65536	/* bytes per receive buffer: UDP GRO */
#define RELAY_RX_ROUNDS		8	/* batches per read event */
#define RELAY_TICK_MS		50	/* reassembly, MAC ageing */
#define RELAY_RESET_RATE	100	/* stateless resets per second */
#define RELAY_RESET_BURST	200
#define RELAY_LINGER_NS		(2 * QUIC_NSEC)	/* reject, then close */
#define RELAY_MAX_CONNS		(4 * RELAY_MAX_PEERS_DEFAULT)
#define RELAY_HS_EVICT_NS	QUIC_NSEC	/* see hs_evict() */
#define RELAY_TRIM_MS		1000	/* malloc_trim() at most this often */

/* Application error codes in CONNECTION_CLOSE. */
#define RELAY_ERR_NONE		0x0
#define RELAY_ERR_PROTOCOL	0x1	/* bad control message */
#define RELAY_ERR_REJECTED	0x2	/* hello refused */
#define RELAY_ERR_SHUTDOWN	0x3

const int relay_syscalls[] = {
	SCMP_SYS(recvmmsg),
	SCMP_SYS(sendmmsg),
	SCMP_SYS(accept4),
	SCMP_SYS(accept),
	SCMP_SYS(fcntl),
	SCMP_SYS(getsockname),
	SCMP_SYS(shutdown),
	SANDBOX_END
};

/* Fixed I/O buffers: nothing is allocated per datagram. */
static struct relay_env	 renv;
static uint8_t		 rxbuf[RELAY_BATCH][RELAY_RXBUF];
static struct iovec	 rxiov[RELAY_BATCH];
static struct sockaddr_storage rxaddr[RELAY_BATCH];
static struct mmsghdr	 rxmsg[RELAY_BATCH];
static union udpseg_ctl	 rxctl[RELAY_BATCH];
static uint8_t		 txbuf[RELAY_BATCH][QUIC_MAX_PKTLEN];
static struct iovec	 txiov[RELAY_BATCH];
static struct sockaddr_storage txaddr[RELAY_BATCH];
static struct mmsghdr	 txmsg[RELAY_BATCH];
/* The same packets as UDP GSO messages (tx_flush). */
static struct mmsghdr	 gsomsg[RELAY_BATCH];
static union udpseg_ctl	 gsoctl[RELAY_BATCH];
static size_t		 gsonpkt[RELAY_BATCH];
static int		 txsolo[RELAY_BATCH];	/* never in a run */
static int		 gso_off;	/* the kernel refused it */
static int		 gso_ok;	/* it worked once */
static size_t		 ntx;
static int		 txfd = -1;
static uint8_t		 ctlbuf[WIREMSG_FRAME_MAX];
static struct fwd_result fwdres;

static int	 cid_cmp(const struct cid_node *, const struct cid_node *);
static int	 src_cmp(const struct src_node *, const struct src_node *);
RB_PROTOTYPE_STATIC(cid_tree, cid_node, entry, cid_cmp)
RB_PROTOTYPE_STATIC(src_tree, src_node, entry, src_cmp)
RB_GENERATE_STATIC(cid_tree, cid_node, entry, cid_cmp)
RB_GENERATE_STATIC(src_tree, src_node, entry, src_cmp)

static void	 addr_str(const struct sockaddr *, char *, size_t);
static void	 relay_start(struct relay_env *);
static void	 relay_reconf(struct relay_env *);
static void	 listen_read(int, short, void *);
static void	 packet_input(struct relay_env *, struct rlisten *,
		    const struct sockaddr_storage *, socklen_t, uint8_t *,
		    size_t, uint64_t);
static void	 conn_accept(struct relay_env *, struct rlisten *,
		    const struct quic_path *, uint8_t *, size_t, uint64_t);
static void	 send_reset(struct relay_env *, struct rlisten *,
		    const struct sockaddr_storage *, socklen_t,
		    const uint8_t *, size_t, size_t, uint64_t);
static void	 tx_queue(int, const struct sockaddr_storage *, socklen_t,
		    const uint8_t *, size_t, int);
static void	 tx_flush(void);
static void	 conn_dirty(struct rconn *);
static void	 flush_dirty(struct relay_env *);
static void	 rx_segments(struct relay_env *, struct rlisten *,
		    const struct msghdr *, uint8_t *, size_t, uint64_t);
static void	 conn_service(struct relay_env *, struct rconn *, uint64_t);
static void	 conn_timer(int, short, void *);
static void	 conn_free(struct relay_env *, struct rconn *);
static void	 hs_done(struct relay_env *, struct rconn *);
static int	 hs_evict(struct relay_env *, uint64_t);
static void	 conn_leave(struct relay_env *, struct rconn *);
static void	 conn_fail(struct rconn *, uint64_t, const char *);
static int	 conn_send_msg(struct rconn *, const struct wiremsg *);
static void	 conn_hello(struct relay_env *, struct rconn *,
		    const struct wiremsg_hello *);
static void	 conn_wiremsg(struct relay_env *, struct rconn *,
		    const struct wiremsg *);
static void	 cb_handshake(struct quic_conn *, void *);
static void	 cb_stream(struct quic_conn *, int64_t, const uint8_t *,
		    size_t, int, void *);
static void	 cb_datagram(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static void	 cb_cid_add(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static void	 cb_cid_remove(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static void	 frame_forward(struct relay_env *, struct rconn *,
		    const uint8_t *, size_t, uint64_t);
static void	 frame_log(const struct peer *, const struct fwd_result *,
		    size_t, const char *);
static void	 tick(int, short, void *);

static const struct quic_cb relay_quic_cb = {
	cb_handshake, cb_stream, cb_datagram, cb_cid_add, cb_cid_remove
};

static int
cid_cmp(const struct cid_node *a, const struct cid_node *b)
{
	if (a->len != b->len)
		return (a->len < b->len ? -1 : 1);
	return (memcmp(a->cid, b->cid, a->len));
}

static int
src_cmp(const struct src_node *a, const struct src_node *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	return (memcmp(a->addr, b->addr, sizeof(a->addr)));
}

static void
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 h[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h));
		snprintf(buf, len, "%s:%u", h, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, h, sizeof(h));
		snprintf(buf, len, "[%s]:%u", h, ntohs(sin6->sin6_port));
		break;
	default:
		snprintf(buf, len, "(family %d)", sa->sa_family);
		break;
	}
}

/* Framework hooks. */

void
relay_child_setup(struct proc *p)
{
	size_t	 i;

	renv.p = p;
	renv.ctlfd = -1;
	TAILQ_INIT(&renv.conns);
	TAILQ_INIT(&renv.dirty);
	TAILQ_INIT(&renv.hsq);
	RB_INIT(&renv.cids);
	RB_INIT(&renv.srcs);
	renv.start_ns = clock_ns();
	renv.start_wall = time(NULL);
	renv.reset_tokens = RELAY_RESET_BURST * 1000ULL;
	for (i = 0; i < RELAY_BATCH; i++) {
		rxiov[i].iov_base = rxbuf[i];
		rxiov[i].iov_len = sizeof(rxbuf[i]);
		txiov[i].iov_base = txbuf[i];
	}
	quic_init();
}

void
relay_child_run(struct proc *p)
{
	(void)p;
	log_debug("sandboxed, waiting for the configuration");
}

void
relay_child_dispatch(struct proc *p, struct imsg *imsg)
{
	struct relay_env	*env = &renv;
	struct listen_addr	 la;
	struct rlisten		*l;
	struct room_decl	*nd;
	socklen_t		 sl;
	int			 fd;

	(void)p;
	switch (imsg_get_type(imsg)) {
	case IMSG_LISTEN_FD:
		if (imsg_get_data(imsg, &la, sizeof(la)) == -1)
			fatal("IMSG_LISTEN_FD");
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_LISTEN_FD without a descriptor");
		if (env->started || env->nlisten >= RELAYD_MAX_LISTEN)
			fatalx("IMSG_LISTEN_FD: unexpected");
		l = &env->listens[env->nlisten++];
		l->fd = fd;
		/* The bound address (a port 0 in the config is resolved). */
		sl = sizeof(l->ss);
		if (getsockname(fd, (struct sockaddr *)&l->ss, &sl) == -1)
			fatal("getsockname");
		l->sslen = sl;
		addr_str((struct sockaddr *)&l->ss, l->name,
		    sizeof(l->name));
		break;
	case IMSG_CONTROL_FD:
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_CONTROL_FD without a descriptor");
		if (env->ctlfd != -1)
			fatalx("IMSG_CONTROL_FD: a second one");
		env->ctlfd = fd;
		break;
	case IMSG_RECONF_CONF:
		if (imsg_get_data(imsg, &env->conf, sizeof(env->conf)) == -1)
			fatal("IMSG_RECONF_CONF");
		free(env->decls);
		env->decls = NULL;
		env->ndecls = 0;
		break;
	case IMSG_RECONF_ROOM:
		if ((nd = reallocarray(env->decls, env->ndecls + 1,
		    sizeof(*nd))) == NULL)
			fatal("IMSG_RECONF_ROOM");
		env->decls = nd;
		if (imsg_get_data(imsg, &nd[env->ndecls],
		    sizeof(*nd)) == -1)
			fatal("IMSG_RECONF_ROOM");
		nd[env->ndecls].name[sizeof(nd->name) - 1] = '\0';
		nd[env->ndecls].secret[sizeof(nd->secret) - 1] = '\0';
		env->ndecls++;
		break;
	case IMSG_RECONF_CERT:
		daemon_blob_append(&env->cert, &env->certlen, imsg,
		    RELAYD_PEM_MAX, "IMSG_RECONF_CERT");
		break;
	case IMSG_RECONF_KEY:
		daemon_blob_append(&env->key, &env->keylen, imsg,
		    RELAYD_PEM_MAX, "IMSG_RECONF_KEY");
		break;
	case IMSG_RECONF_RESET_SECRET:
		if (imsg_get_data(imsg, env->secret,
		    sizeof(env->secret)) == -1)
			fatal("IMSG_RECONF_RESET_SECRET");
		env->have_secret = 1;
		break;
	case IMSG_RECONF_END:
		if (!env->started)
			relay_start(env);
		else
			relay_reconf(env);
		break;
	default:
		fatalx("unexpected imsg type %u from the parent",
		    imsg_get_type(imsg));
	}
}

static void
declare_rooms(struct relay_env *env)
{
	struct room_decl	*d;
	struct room_conf	 key, *rc, *nrc;
	struct room		*room;
	char			 err[256];
	size_t			 i;
	int			 found;

	/* Declarations gone from the file: drop them unless in use. */
	RB_FOREACH_SAFE(rc, room_confs, &env->relay->declared, nrc) {
		for (i = 0, found = 0; i < env->ndecls && !found; i++)
			found = strcmp(env->decls[i].name, rc->name) == 0;
		if (found)
			continue;
		if (relay_room_find(env->relay, rc->name) != NULL) {
			log_warnx("reload: room \"%s\" is no longer declared "
			    "but has members; it keeps its settings until it "
			    "empties", rc->name);
			continue;
		}
		RB_REMOVE(room_confs, &env->relay->declared, rc);
		freezero(rc, sizeof(*rc));
	}
	for (i = 0; i < env->ndecls; i++) {
		d = &env->decls[i];
		memset(&key, 0, sizeof(key));
		strlcpy(key.name, d->name, sizeof(key.name));
		if ((rc = RB_FIND(room_confs, &env->relay->declared,
		    &key)) != NULL) {
			/* Members stay; a new MTU applies to a new room. */
			strlcpy(rc->secret, d->secret, sizeof(rc->secret));
			rc->mtu = d->mtu;
			rc->max_clients = d->max_clients;
			/*
			 * A live room takes the new client limit for new
			 * joins; clients above it stay.
			 */
			if ((room = relay_room_find(env->relay,
			    rc->name)) != NULL)
				room->max_clients = rc->max_clients != 0 ?
				    rc->max_clients :
				    env->relay->conf.max_clients;
			continue;
		}
		if (relay_declare(env->relay, d->name, d->secret, d->mtu,
		    d->max_clients, err, sizeof(err)) == -1)
			log_warnx("room \"%s\": %s", d->name, err);
	}
	for (i = 0; i < env->ndecls; i++)
		explicit_bzero(env->decls[i].secret,
		    sizeof(env->decls[i].secret));
	free(env->decls);
	env->decls = NULL;
	env->ndecls = 0;
}

static void
relay_start(struct relay_env *env)
{
	struct timeval	 tv = { 0, RELAY_TICK_MS * 1000 };
	char		 err[256];
	size_t		 i, ndecl;

	if (env->nlisten == 0)
		fatalx("no listening socket from the parent");
	if (!env->have_secret)
		fatalx("no reset secret from the parent");
	if ((env->tls = quic_tls_server_new(env->cert, env->certlen,
	    env->key, env->keylen)) == NULL)
		fatalx("cannot load the certificate and key");
	daemon_blob_free(&env->key, &env->keylen);
	daemon_blob_free(&env->cert, &env->certlen);

	if ((env->relay = relay_new(&env->conf.rc, err, sizeof(err))) == NULL)
		fatalx("relay: %s", err);
	ndecl = env->ndecls;
	declare_rooms(env);

	quic_config_default(&env->qcfg);
	env->qcfg.tls = env->tls;
	env->qcfg.reset_secret = env->secret;
	env->qcfg.reset_secretlen = sizeof(env->secret);
	env->qcfg.cb = &relay_quic_cb;
	if (env->conf.max_per_source == 0)
		env->conf.max_per_source = RELAYD_MAX_PER_SOURCE;
	if (env->conf.max_handshakes == 0)
		env->conf.max_handshakes = RELAYD_MAX_HANDSHAKES;
	if (env->conf.hs_per_source == 0)
		env->conf.hs_per_source = RELAYD_HS_PER_SOURCE;

	for (i = 0; i < env->nlisten; i++) {
		event_set(&env->listens[i].ev, env->listens[i].fd,
		    EV_READ | EV_PERSIST, listen_read, &env->listens[i]);
		event_add(&env->listens[i].ev, NULL);
		log_info("listening on %s", env->listens[i].name);
	}
	if (env->ctlfd != -1 && (env->ctl = control_init(env->ctlfd,
	    relay_control, env)) == NULL)
		log_warnx("control socket not served");
	evtimer_set(&env->ev_tick, tick, env);
	evtimer_add(&env->ev_tick, &tv);
	env->started = 1;
	log_info("relay ready: %zu room%s declared, open rooms %s",
	    ndecl, ndecl == 1 ? "" : "s",
	    env->conf.rc.open_rooms ? "yes" : "no");
}

static void
relay_reconf(struct relay_env *env)
{
	if (env->conf.nlisten != env->nlisten)
		log_info("reload: %u listen address%s configured, %zu in "
		    "use; listen changes need a restart", env->conf.nlisten,
		    env->conf.nlisten == 1 ? "" : "es", env->nlisten);
	env->relay->conf = env->conf.rc;
	if (env->conf.max_per_source == 0)
		env->conf.max_per_source = RELAYD_MAX_PER_SOURCE;
	if (env->conf.max_handshakes == 0)
		env->conf.max_handshakes = RELAYD_MAX_HANDSHAKES;
	if (env->conf.hs_per_source == 0)
		env->conf.hs_per_source = RELAYD_HS_PER_SOURCE;
	declare_rooms(env);
	log_info("configuration reloaded");
}

/* UDP input. */

static void
listen_read(int fd, short event, void *arg)
{
	struct relay_env	*env = &renv;
	struct rlisten		*l = arg;
	uint64_t		 now;
	int			 i, n, round;

	(void)event;
	for (round = 0; round < RELAY_RX_ROUNDS; round++) {
		for (i = 0; i < RELAY_BATCH; i++) {
			memset(&rxmsg[i].msg_hdr, 0, sizeof(rxmsg[i].msg_hdr));
			rxmsg[i].msg_hdr.msg_name = &rxaddr[i];
			rxmsg[i].msg_hdr.msg_namelen = sizeof(rxaddr[i]);
			rxmsg[i].msg_hdr.msg_iov = &rxiov[i];
			rxmsg[i].msg_hdr.msg_iovlen = 1;
			udpseg_gro_ctl(&rxmsg[i].msg_hdr, &rxctl[i]);
		}
		if ((n = recvmmsg(fd, rxmsg, RELAY_BATCH, MSG_DONTWAIT,
		    NULL)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("recvmmsg on %s", l->name);
			break;
		}
		now = clock_ns();
		for (i = 0; i < n; i++)
			rx_segments(env, l, &rxmsg[i].msg_hdr, rxbuf[i],
			    rxmsg[i].msg_len, now);
		flush_dirty(env);
		if (n < RELAY_BATCH)
			break;
	}
	tx_flush();
}

/*
 * One received buffer: a datagram, or with UDP GRO (priv/udp.c) several
 * of one size but the last, coalesced by the kernel; each goes in.
 */
static void
rx_segments(struct relay_env *env, struct rlisten *l,
    const struct msghdr *m, uint8_t *buf, size_t len, uint64_t now)
{
	size_t	 seg, n;

	if (m->msg_flags & MSG_TRUNC) {
		env->st.udp_recv++;
		env->st.pkt_garbage++;
		return;
	}
	if ((seg = udpseg_gro(m)) == 0 || seg >= len)
		seg = len;
	else
		env->st.udp_gro_reads++;
	/* Once at least: an empty datagram is counted and refused there. */
	do {
		n = MINIMUM(seg, len);
		env->st.udp_recv++;
		packet_input(env, l, (struct sockaddr_storage *)m->msg_name,
		    m->msg_namelen, buf, n, now);
		buf += n;
		len -= n;
	} while (len > 0);
}

static void
packet_input(struct relay_env *env, struct rlisten *l,
    const struct sockaddr_storage *from, socklen_t fromlen, uint8_t *pkt,
    size_t len, uint64_t now)
{
	struct quic_path	 path;
	struct cid_node		 key, *cn;
	struct rconn		*c;

	/* Before anything else: ngtcp2 asserts on an empty packet. */
	switch (quic_packet_dcid(pkt, len, key.cid, &key.len)) {
	case QUIC_PKT_OK:
		break;
	case QUIC_PKT_SHORT:
		env->st.pkt_short++;
		return;
	case QUIC_PKT_VERSION:
		env->st.pkt_version++;
		return;
	default:
		env->st.pkt_garbage++;
		return;
	}
	memset(&path, 0, sizeof(path));
	memcpy(&path.local, &l->ss, l->sslen);
	path.locallen = l->sslen;
	memcpy(&path.remote, from, fromlen);
	path.remotelen = fromlen;

	if ((cn = RB_FIND(cid_tree, &env->cids, &key)) != NULL) {
		c = cn->c;
		if (c->qc == NULL)
			return;
		(void)quic_conn_read(c->qc, &path, pkt, len, now);
		conn_dirty(c);
		return;
	}
	if (pkt[0] & 0x80)
		conn_accept(env, l, &path, pkt, len, now);
	else
		send_reset(env, l, from, fromlen, key.cid, key.len, len, now);
}

static struct src_node *
src_get(struct relay_env *env, const struct sockaddr_storage *ss)
{
	struct src_node		 key, *s;
	const struct in6_addr	*a6;

	memset(&key, 0, sizeof(key));
	key.family = ss->ss_family;
	if (ss->ss_family == AF_INET)
		memcpy(key.addr, &((const struct sockaddr_in *)ss)->sin_addr,
		    4);
	else if (ss->ss_family == AF_INET6) {
		a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			key.family = AF_INET;
			memcpy(key.addr, &a6->s6_addr[12], 4);
		} else
			memcpy(key.addr, a6, 8);	/* the /64 */
	}
	if ((s = RB_FIND(src_tree, &env->srcs, &key)) != NULL)
		return (s);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	*s = key;
	RB_INSERT(src_tree, &env->srcs, s);
	return (s);
}

static void
src_put(struct relay_env *env, struct src_node *s)
{
	if (s == NULL)
		return;
	if (--s->n == 0) {
		RB_REMOVE(src_tree, &env->srcs, s);
		free(s);
	}
}

static void
conn_accept(struct relay_env *env, struct rlisten *l,
    const struct quic_path *path, uint8_t *pkt, size_t len, uint64_t now)
{
	struct quic_config	 cfg;
	struct rconn		*c;
	struct src_node		*s;
	uint8_t			 out[QUIC_MAX_PKTLEN];
	ssize_t			 n;
	int			 validated = 0;

	switch (quic_initial_check(&env->qcfg, path, pkt, len, now)) {
	case QUIC_INITIAL_NEW:
		if (env->nhandshakes < env->conf.retry_threshold)
			break;
		/* Busy: the client must prove its address first. */
		if (!env->busy_logged++)
			log_info("%zu unvalidated handshakes pending (retry-"
			    "threshold %u): new clients get a Retry",
			    env->nhandshakes, env->conf.retry_threshold);
		if ((n = quic_write_retry(&env->qcfg, path, pkt, len, out,
		    sizeof(out), now)) <= 0) {
			env->st.pkt_not_initial++;
			return;
		}
		env->st.retry_sent++;
		tx_queue(l->fd, &path->remote, path->remotelen, out,
		    (size_t)n, 1);
		return;
	case QUIC_INITIAL_VALID:
		validated = 1;
		break;
	case QUIC_INITIAL_BADTOKEN:
		env->st.retry_bad_token++;
		return;
	default:
		env->st.pkt_not_initial++;
		return;
	}
	if (env->nconns >= RELAY_MAX_CONNS) {
		env->st.conn_refused_max++;
		return;
	}
	/* Before src_get(): the connection freed may be the last of s. */
	if (env->nhsq >= env->conf.max_handshakes && hs_evict(env, now) == -1) {
		env->st.hs_refused_full++;
		return;
	}
	if ((s = src_get(env, &path->remote)) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	if (s->n >= env->conf.max_per_source ||
	    s->nhs >= env->conf.hs_per_source) {
		if (s->n >= env->conf.max_per_source)
			env->st.conn_refused_source++;
		else
			env->st.hs_refused_source++;
		if (s->n == 0) {
			RB_REMOVE(src_tree, &env->srcs, s);
			free(s);
		}
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		if (s->n == 0) {
			RB_REMOVE(src_tree, &env->srcs, s);
			free(s);
		}
		return;
	}
	ovl_tx_init(&c->tx, (uint16_t)arc4random());
	c->sid = -1;
	c->l = l;
	c->path = *path;
	addr_str((const struct sockaddr *)&path->remote, c->addr,
	    sizeof(c->addr));
	evtimer_set(&c->ev_timer, conn_timer, c);
	s->n++;
	c->src = s;
	TAILQ_INSERT_TAIL(&env->conns, c, entry);
	env->nconns++;
	s->nhs++;
	c->in_hs = 1;
	c->born = now;
	TAILQ_INSERT_TAIL(&env->hsq, c, hs_entry);
	env->nhsq++;
	/* Only unvalidated handshakes count against retry-threshold. */
	if (validated)
		c->handshake = 1;
	else
		env->nhandshakes++;

	cfg = env->qcfg;
	cfg.arg = c;
	if ((c->qc = quic_conn_accept(&cfg, path, pkt, len, now)) == NULL) {
		env->st.pkt_not_initial++;
		conn_free(env, c);
		return;
	}
	env->st.conn_accepted++;
	if (validated)
		env->st.retry_validated++;
	log_debug("%s: new connection%s", c->addr,
	    validated ? ", address validated by Retry" : "");
	conn_dirty(c);
}

/* Stateless reset for a short-header packet of an unknown connection. */
static void
send_reset(struct relay_env *env, struct rlisten *l,
    const struct sockaddr_storage *to, socklen_t tolen, const uint8_t *cid,
    size_t cidlen, size_t trigger, uint64_t now)
{
	uint8_t		 out[QUIC_MAX_PKTLEN];
	uint64_t	 ms = now / 1000000, cap;
	ssize_t		 n;

	cap = RELAY_RESET_BURST * 1000ULL;
	env->reset_tokens += (ms - env->reset_last) * RELAY_RESET_RATE;
	if (env->reset_tokens > cap)
		env->reset_tokens = cap;
	env->reset_last = ms;
	if (env->reset_tokens < 1000) {
		env->st.reset_limited++;
		return;
	}
	if ((n = quic_write_stateless_reset(out, sizeof(out), trigger,
	    env->secret, sizeof(env->secret), cid, cidlen)) <= 0) {
		env->st.reset_short++;
		return;
	}
	env->reset_tokens -= 1000;
	env->st.reset_sent++;
	tx_queue(l->fd, to, tolen, out, n, 1);
}

/* UDP output, batched. */

static void
tx_queue(int fd, const struct sockaddr_storage *to, socklen_t tolen,
    const uint8_t *data, size_t len, int solo)
{
	if (ntx > 0 && (fd != txfd || ntx == RELAY_BATCH))
		tx_flush();
	txfd = fd;
	memcpy(txbuf[ntx], data, len);
	memcpy(&txaddr[ntx], to, tolen);
	memset(&txmsg[ntx].msg_hdr, 0, sizeof(txmsg[ntx].msg_hdr));
	txiov[ntx].iov_len = len;
	txmsg[ntx].msg_hdr.msg_name = &txaddr[ntx];
	txmsg[ntx].msg_hdr.msg_namelen = tolen;
	txmsg[ntx].msg_hdr.msg_iov = &txiov[ntx];
	txmsg[ntx].msg_hdr.msg_iovlen = 1;
	txsolo[ntx] = solo;
	ntx++;
}

/*
 * Runs of packets to one address, of one size but the last (which may
 * be shorter), go as one UDP GSO message: one trip down the stack for
 * the run.  A solo packet (a path MTU probe, over the path's known size:
 * as a segment size over the route's MTU it would make the kernel refuse
 * the run; handshake packets; resets) is never in a run.  A kernel that
 * refuses GSO gets packets one by one from then on (gso_off), said once
 * in the log; EMSGSIZE (a segment over the route's MTU), and EINVAL once
 * GSO worked, are about that batch only: it goes one by one, counted.
 */
static size_t
tx_gso_build(void)
{
	struct msghdr	*m;
	size_t		 i, j, seg, bytes, nmsg = 0;

	for (i = 0; i < ntx; i = j) {
		seg = txiov[i].iov_len;
		bytes = seg;
		for (j = i + 1; j < ntx && !txsolo[i]; j++) {
			if (txsolo[j] ||
			    txmsg[j].msg_hdr.msg_namelen !=
			    txmsg[i].msg_hdr.msg_namelen ||
			    memcmp(&txaddr[j], &txaddr[i],
			    txmsg[i].msg_hdr.msg_namelen) != 0 ||
			    txiov[j].iov_len > seg ||
			    bytes + txiov[j].iov_len > UDPSEG_MAX_BYTES)
				break;
			bytes += txiov[j].iov_len;
			if (txiov[j].iov_len < seg) {
				j++;
				break;
			}
		}
		m = &gsomsg[nmsg].msg_hdr;
		memset(m, 0, sizeof(*m));
		m->msg_name = &txaddr[i];
		m->msg_namelen = txmsg[i].msg_hdr.msg_namelen;
		m->msg_iov = &txiov[i];
		m->msg_iovlen = j - i;
		if (j - i > 1)
			udpseg_gso(m, &gsoctl[nmsg], seg);
		gsonpkt[nmsg++] = j - i;
	}
	return (nmsg);
}

/* Packets first..ntx one message each; counted. */
static void
tx_flush_plain(size_t off)
{
	int	 n;

	while (off < ntx) {
		n = sendmmsg(txfd, txmsg + off, ntx - off, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* A full socket buffer drops the rest: QUIC recovers. */
			renv.st.udp_send_errors += ntx - off;
			if (errno != EAGAIN)
				log_warn("sendmmsg");
			break;
		}
		renv.st.udp_sent += n;
		off += n;
	}
}

static void
tx_flush(void)
{
	enum udpseg_refusal	 r;
	size_t			 off = 0, pkt = 0, nmsg;
	int			 n, i;

	if (ntx == 0)
		return;
	if (gso_off || (nmsg = tx_gso_build()) == ntx) {
		tx_flush_plain(0);
		ntx = 0;
		return;
	}
	while (off < nmsg) {
		n = sendmmsg(txfd, gsomsg + off, nmsg - off, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if ((r = udpseg_refused(errno, gso_ok)) !=
			    UDPSEG_ERROR) {
				if (r == UDPSEG_OFF) {
					log_warn("UDP GSO refused, sending "
					    "packets one by one");
					gso_off = 1;
				} else
					renv.st.udp_gso_refused++;
				tx_flush_plain(pkt);
				break;
			}
			/* A full socket buffer drops the rest: QUIC recovers. */
			renv.st.udp_send_errors += ntx - pkt;
			if (errno != EAGAIN)
				log_warn("sendmmsg");
			break;
		}
		for (i = 0; i < n; i++, off++) {
			pkt += gsonpkt[off];
			renv.st.udp_sent += gsonpkt[off];
			if (gsonpkt[off] > 1) {
				renv.st.udp_gso_sends++;
				gso_ok = 1;
			}
		}
	}
	ntx = 0;
}

/* Connections. */

static void
conn_dirty(struct rconn *c)
{
	if (c->dirty)
		return;
	c->dirty = 1;
	TAILQ_INSERT_TAIL(&renv.dirty, c, dirty_entry);
}

static void
flush_dirty(struct relay_env *env)
{
	struct rconn	*c;
	uint64_t	 now = clock_ns();

	while ((c = TAILQ_FIRST(&env->dirty)) != NULL) {
		TAILQ_REMOVE(&env->dirty, c, dirty_entry);
		c->dirty = 0;
		conn_service(env, c, now);
	}
}

/* Apply a deferred close, write what is due, rearm or free. */
static void
conn_service(struct relay_env *env, struct rconn *c, uint64_t now)
{
	struct quic_path	 path;
	uint8_t			 pkt[QUIC_MAX_PKTLEN];
	struct timeval		 tv;
	enum quic_state		 st;
	uint64_t		 exp, d;
	ssize_t			 n;

	if (c->linger && (now >= c->linger_until || c->sid == -1 ||
	    quic_conn_stream_pending(c->qc, c->sid) == 0)) {
		c->linger = 0;
		quic_conn_close(c->qc, c->close_code, c->close_reason, now);
	}
	/* A path MTU probe goes alone (see tx_gso_build()). */
	while ((n = quic_conn_write(c->qc, &path, pkt, sizeof(pkt),
	    now)) > 0)
		tx_queue(c->l->fd, &path.remote, path.remotelen, pkt, n,
		    (size_t)n > quic_conn_path_max(c->qc));
	st = quic_conn_state(c->qc);
	if (st != QUIC_ST_HANDSHAKE && c->handshake == 0) {
		c->handshake = 1;
		env->nhandshakes--;
	}
	if (st != QUIC_ST_HANDSHAKE)
		hs_done(env, c);
	if (st == QUIC_ST_CLOSING || st == QUIC_ST_DRAINING)
		conn_leave(env, c);
	if (st == QUIC_ST_CLOSED) {
		log_debug("%s: connection closed: %s", c->addr,
		    quic_conn_error(c->qc));
		conn_free(env, c);
		return;
	}
	exp = quic_conn_expiry(c->qc);
	if (c->linger && c->linger_until < exp)
		exp = c->linger_until;
	if (exp == UINT64_MAX) {
		evtimer_del(&c->ev_timer);
		return;
	}
	d = exp > now ? exp - now : 0;
	tv.tv_sec = d / QUIC_NSEC;
	tv.tv_usec = (d % QUIC_NSEC) / 1000 + 1;
	evtimer_add(&c->ev_timer, &tv);
}

static void
conn_timer(int fd, short event, void *arg)
{
	struct rconn	*c = arg;
	uint64_t	 now = clock_ns();

	(void)fd;
	(void)event;
	if (now >= quic_conn_expiry(c->qc))
		(void)quic_conn_handle_expiry(c->qc, now);
	conn_dirty(c);
	flush_dirty(&renv);
	tx_flush();
}

/* The peer leaves its room (once); the others hear peer-left. */
static void
conn_leave(struct relay_env *env, struct rconn *c)
{
	struct wiremsg	 m;
	struct peer	*others[ROOM_MEMBERS_MAX];
	struct peer	*p = c->peer;
	struct rconn	*o;
	size_t		 i, n;

	if (p == NULL)
		return;
	c->peer = NULL;
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_PEER_LEFT;
	log_info("%s: peer %u (%s %s) left room %s", c->addr, p->id,
	    wiremsg_role_name(p->role), ether_mac_str(&p->mac), p->room->name);
	n = relay_leave(env->relay, p, &m.u.peer, others, nitems(others));
	for (i = 0; i < n; i++) {
		o = others[i]->cookie;
		if (conn_send_msg(o, &m) == -1)
			conn_fail(o, RELAY_ERR_PROTOCOL,
			    "control stream overflow");
	}
}

static void
conn_free(struct relay_env *env, struct rconn *c)
{
	conn_leave(env, c);
	if (c->dirty)
		TAILQ_REMOVE(&env->dirty, c, dirty_entry);
	evtimer_del(&c->ev_timer);
	if (!c->handshake)
		env->nhandshakes--;
	hs_done(env, c);
	env->freed++;
	if (c->qc != NULL) {
		quic_stats_add(&env->qst_closed, quic_conn_stats(c->qc));
		quic_conn_free(c->qc);
		env->st.conn_closed++;
	}
	ovl_rx_stats_add(&env->rx_closed, &c->reasm.stats);
	ovl_tx_stats_add(&env->tx_closed, &c->tx.stats);
	egress_stats_add(&env->eg_closed, &c->eg);
	ovl_reasm_free(&c->reasm);
	if (c->rd != NULL) {
		wiremsg_reader_clear(c->rd);
		free(c->rd);
	}
	src_put(env, c->src);
	TAILQ_REMOVE(&env->conns, c, entry);
	env->nconns--;
	free(c);
}

/* The handshake of c is over (done, failed, or c is freed). */
static void
hs_done(struct relay_env *env, struct rconn *c)
{
	if (!c->in_hs)
		return;
	c->in_hs = 0;
	TAILQ_REMOVE(&env->hsq, c, hs_entry);
	env->nhsq--;
	c->src->nhs--;
}

/*
 * max-handshakes are in progress: free the oldest, silently, if it has
 * been going on for RELAY_HS_EVICT_NS (a real client is done within a
 * round trip or two, and one that lost its handshake tries again), so a
 * flood holds a bounded amount of memory and turns over, while fresh
 * handshakes, a real client's among them, are never cut short.  -1 when
 * none is that old: the new one is refused (the client retransmits).
 */
static int
hs_evict(struct relay_env *env, uint64_t now)
{
	struct rconn	*c;

	if ((c = TAILQ_FIRST(&env->hsq)) == NULL ||
	    now - c->born < RELAY_HS_EVICT_NS)
		return (-1);
	env->st.hs_evicted++;
	log_debug("%s: handshake of %llu ms evicted: %zu in progress "
	    "(max-handshakes)", c->addr,
	    (unsigned long long)((now - c->born) / 1000000), env->nhsq);
	conn_free(env, c);
	return (0);
}

/*
 * Close one connection because of what it sent: a disconnect with the
 * reason goes first on the control stream, then CONNECTION_CLOSE once it
 * is acknowledged (or RELAY_LINGER_NS later).
 */
static void
conn_fail(struct rconn *c, uint64_t code, const char *reason)
{
	struct wiremsg	 m;

	if (c->linger || (quic_conn_state(c->qc) != QUIC_ST_OPEN &&
	    quic_conn_state(c->qc) != QUIC_ST_HANDSHAKE))
		return;
	renv.st.ctl_errors++;
	log_info("%s: closing: %s", c->addr, reason);
	if (code != RELAY_ERR_REJECTED) {
		memset(&m, 0, sizeof(m));
		m.type = WIREMSG_DISCONNECT;
		strlcpy(m.u.disconnect.reason, reason,
		    sizeof(m.u.disconnect.reason));
		(void)conn_send_msg(c, &m);
	}
	conn_leave(&renv, c);
	c->linger = 1;
	c->linger_until = clock_ns() + RELAY_LINGER_NS;
	c->close_code = code;
	strlcpy(c->close_reason, reason, sizeof(c->close_reason));
	conn_dirty(c);
}

static int
conn_send_msg(struct rconn *c, const struct wiremsg *m)
{
	struct wiremsg_error	 err;
	size_t			 len;

	if (c->sid == -1)
		return (-1);
	if (wiremsg_encode(m, ctlbuf, sizeof(ctlbuf), &len, &err) == -1) {
		log_warnx("%s: cannot encode %s: %s", c->addr,
		    wiremsg_type_name(m->type), err.msg);
		return (-1);
	}
	conn_dirty(c);
	if (quic_conn_stream_write(c->qc, c->sid, ctlbuf, len) == -1)
		return (-1);
	return (0);
}

static void
conn_hello(struct relay_env *env, struct rconn *c,
    const struct wiremsg_hello *h)
{
	static struct wiremsg	 m;
	struct peer		*others[ROOM_MEMBERS_MAX];
	struct peer		*p;
	struct rconn		*o;
	enum wiremsg_code	 code;
	char			 reason[WIREMSG_REASON_MAX + 1];
	size_t			 i, n;

	if (c->reasm.slots == NULL && ovl_reasm_init(&c->reasm,
	    OVL_REASM_SLOTS, OVL_REASM_TIMEOUT_MS) == -1) {
		log_warn("%s", __func__);
		conn_fail(c, RELAY_ERR_PROTOCOL, "out of memory");
		return;
	}
	if (relay_admit(env->relay, h, clock_ns() / 1000000, &p, &code,
	    reason, sizeof(reason)) == -1) {
		memset(&m, 0, sizeof(m));
		m.type = WIREMSG_REJECT;
		m.u.reject.code = code;
		strlcpy(m.u.reject.reason, reason, sizeof(m.u.reject.reason));
		log_info("%s: %s %s for room %s rejected: %s (%s)", c->addr,
		    wiremsg_role_name(h->role), ether_mac_str(&h->mac),
		    h->room, wiremsg_code_name(code), reason);
		(void)conn_send_msg(c, &m);
		conn_fail(c, RELAY_ERR_REJECTED, reason);
		return;
	}
	p->cookie = c;
	c->peer = p;
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_WELCOME;
	relay_welcome(p, &m.u.welcome);
	if (conn_send_msg(c, &m) == -1) {
		conn_fail(c, RELAY_ERR_PROTOCOL, "cannot send welcome");
		return;
	}
	log_info("%s: peer %u (%s %s, %s) joined room %s (mtu %u)", c->addr,
	    p->id, wiremsg_role_name(p->role), ether_mac_str(&p->mac),
	    p->software, p->room->name, p->room->mtu);
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_PEER_JOINED;
	peer_info(p, &m.u.peer);
	n = relay_others(p, others, nitems(others));
	for (i = 0; i < n; i++) {
		o = others[i]->cookie;
		if (conn_send_msg(o, &m) == -1)
			conn_fail(o, RELAY_ERR_PROTOCOL,
			    "control stream overflow");
	}
}

static void
conn_wiremsg(struct relay_env *env, struct rconn *c, const struct wiremsg *m)
{
	static struct wiremsg	 r;
	char			 reason[WIREMSG_REASON_MAX + 1];

	switch (m->type) {
	case WIREMSG_HELLO:
		if (c->peer != NULL) {
			conn_fail(c, RELAY_ERR_PROTOCOL, "hello: sent twice");
			return;
		}
		conn_hello(env, c, &m->u.hello);
		return;
	case WIREMSG_STATS:
		if (c->peer == NULL || m->u.stats.reply)
			break;
		memset(&r, 0, sizeof(r));
		r.type = WIREMSG_STATS;
		r.u.stats.reply = 1;
		r.u.stats.ncounters = fwd_counters_export(&c->peer->counters,
		    r.u.stats.counters, WIREMSG_MAX_COUNTERS);
		(void)conn_send_msg(c, &r);
		return;
	case WIREMSG_DISCONNECT:
		log_info("%s: peer disconnects: %s", c->addr,
		    m->u.disconnect.reason);
		conn_leave(env, c);
		quic_conn_close(c->qc, RELAY_ERR_NONE, "bye", clock_ns());
		conn_dirty(c);
		return;
	default:
		break;
	}
	snprintf(reason, sizeof(reason), "%s: unexpected %s",
	    wiremsg_type_name(m->type), c->peer == NULL ?
	    "before hello" : "from a peer");
	conn_fail(c, RELAY_ERR_PROTOCOL, reason);
}

/* quic.c callbacks */

static void
cb_handshake(struct quic_conn *qc, void *arg)
{
	struct rconn	*c = arg;

	(void)qc;
	log_debug("%s: handshake done (%s)", c->addr,
	    quic_conn_cipher(c->qc));
}

static void
cb_stream(struct quic_conn *qc, int64_t sid, const uint8_t *data,
    size_t len, int fin, void *arg)
{
	static struct wiremsg	 m;
	struct rconn		*c = arg;
	struct wiremsg_error	 err;
	size_t			 used;
	int			 rv;

	(void)qc;
	if (c->linger)
		return;
	if (c->sid == -1)
		c->sid = sid;
	if (sid != c->sid) {
		conn_fail(c, RELAY_ERR_PROTOCOL, "data on a second stream");
		return;
	}
	if (c->rd == NULL) {
		/* WIREMSG_MAX bytes: not for a handshake that goes nowhere. */
		if ((c->rd = malloc(sizeof(*c->rd))) == NULL) {
			log_warn("%s", __func__);
			conn_fail(c, RELAY_ERR_PROTOCOL, "out of memory");
			return;
		}
		wiremsg_reader_init(c->rd);
	}
	while (len > 0) {
		rv = wiremsg_reader_feed(c->rd, data, len, &used, &m, &err);
		data += used;
		len -= used;
		if (rv == -1) {
			if (c->peer == NULL && err.code != WIREMSG_CODE_NONE) {
				/* Refused by the decoder: count it too. */
				if (err.code < RELAY_CODE_MAX)
					renv.relay->rejected[err.code]++;
				memset(&m, 0, sizeof(m));
				m.type = WIREMSG_REJECT;
				m.u.reject.code = err.code;
				strlcpy(m.u.reject.reason, err.msg,
				    sizeof(m.u.reject.reason));
				(void)conn_send_msg(c, &m);
				conn_fail(c, RELAY_ERR_REJECTED, err.msg);
			} else
				conn_fail(c, RELAY_ERR_PROTOCOL, err.msg);
			wiremsg_clear(&m);
			return;
		}
		if (rv == 1) {
			conn_wiremsg(&renv, c, &m);
			wiremsg_clear(&m);
			if (c->linger)
				return;
		}
	}
	if (fin) {
		if (wiremsg_reader_eof(c->rd, &err) == -1)
			conn_fail(c, RELAY_ERR_PROTOCOL, err.msg);
		else
			conn_fail(c, RELAY_ERR_PROTOCOL,
			    "control stream closed");
	}
}

static void
cb_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	struct rconn	*c = arg;
	struct ovl_rx	 rx;
	uint64_t	 ms;

	(void)qc;
	if (c->peer == NULL) {
		renv.st.dgram_unadmitted++;
		return;
	}
	ms = clock_ns() / 1000000;
	if (ovl_reasm_input(&c->reasm, data, len, ms, &rx) != OVL_RX_FRAME) {
		if (rx.drop != OVL_DROP_NONE && log_getverbose() > 2)
			log_debug("%s: peer %u: datagram of %zu bytes "
			    "dropped: %s", c->addr, c->peer->id, len,
			    ovl_drop_name(rx.drop));
		return;
	}
	frame_forward(&renv, c, rx.frame, rx.len, ms);
}

static void
cb_cid_add(struct quic_conn *qc, const uint8_t *cid, size_t len, void *arg)
{
	struct cid_node	*n;

	(void)qc;
	if (len == 0 || len > QUIC_MAX_CIDLEN)
		return;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	memcpy(n->cid, cid, len);
	n->len = len;
	n->c = arg;
	if (RB_INSERT(cid_tree, &renv.cids, n) != NULL) {
		log_debug("connection ID collision, ignored");
		free(n);
	}
}

static void
cb_cid_remove(struct quic_conn *qc, const uint8_t *cid, size_t len,
    void *arg)
{
	struct cid_node	 key, *n;

	(void)qc;
	if (len == 0 || len > QUIC_MAX_CIDLEN)
		return;
	memcpy(key.cid, cid, len);
	key.len = len;
	if ((n = RB_FIND(cid_tree, &renv.cids, &key)) != NULL &&
	    n->c == arg) {
		RB_REMOVE(cid_tree, &renv.cids, n);
		free(n);
	}
}

/* Forwarding: one whole frame from c's peer. */

static void
frame_log(const struct peer *p, const struct fwd_result *res, size_t len,
    const char *action)
{
	char	 src[ETHER_MAC_STRLEN];

	if (log_getverbose() <= 2)
		return;
	if (!res->parsed) {
		log_debug("frame of %zu bytes from peer %u: %s", len, p->id,
		    action);
		return;
	}
	(void)ether_mac_format(&res->ef.src, src, sizeof(src));
	log_debug("frame %s > %s type 0x%04x len %zu from peer %u: %s",
	    src, ether_mac_str(&res->ef.dst),
	    (unsigned int)res->ef.ethertype, len, p->id, action);
}

static void
frame_forward(struct relay_env *env, struct rconn *c, const uint8_t *f,
    size_t len, uint64_t ms)
{
	struct rconn		*o;
	size_t			 i, budget;
	char			 act[64];

	room_forward(env->relay, c->peer, f, len, ms, &fwdres);
	if (fwdres.reason != FWD_OK) {
		frame_log(c->peer, &fwdres, len,
		    fwd_reason_name(fwdres.reason));
		return;
	}
	if (log_getverbose() > 2) {
		snprintf(act, sizeof(act), "forwarded to %zu peer%s",
		    fwdres.nout, fwdres.nout == 1 ? "" : "s");
		frame_log(c->peer, &fwdres, len, act);
	}
	for (i = 0; i < fwdres.nout; i++) {
		o = fwdres.out[i]->cookie;
		/*
		 * The live budget of our own path to that peer (path
		 * MTU discovery runs on it).  Not the hello's: that is
		 * the peer's path at hello time, before its probes.
		 */
		budget = quic_conn_frame_budget(o->qc);
		(void)egress_frame(o->qc, &o->tx, budget, f, len, &o->eg);
		conn_dirty(o);
	}
}

static void
tick(int fd, short event, void *arg)
{
	struct relay_env	*env = arg;
	struct timeval		 tv = { 0, RELAY_TICK_MS * 1000 };
	struct rconn		*c;
	uint64_t		 ms = clock_ns() / 1000000;
	static uint64_t		 last_expire;

	(void)fd;
	(void)event;
	TAILQ_FOREACH(c, &env->conns, entry)
		if (ovl_reasm_pending(&c->reasm) > 0)
			(void)ovl_reasm_expire(&c->reasm, ms);
	if (ms - last_expire >= 1000) {
		last_expire = ms;
		(void)room_expire(env->relay, ms);
	}
	/*
	 * Give the memory of freed connections back to the system: after a
	 * handshake flood, glibc would keep the heap at its peak.
	 */
	if (env->freed > 0 && ms - env->trim_ms >= RELAY_TRIM_MS) {
		env->freed = 0;
		env->trim_ms = ms;
		env->st.mem_trims++;
		(void)malloc_trim(0);
	}
	if (env->busy_logged && env->nhandshakes <
	    env->conf.retry_threshold) {
		log_info("handshake backlog cleared (%llu Retry sent in "
		    "all)", (unsigned long long)env->st.retry_sent);
		env->busy_logged = 0;
	}
	evtimer_add(&env->ev_tick, &tv);
}
