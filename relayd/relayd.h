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


#ifndef SOFTLAN_RELAYD_H
#define SOFTLAN_RELAYD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <event.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "control.h"
#include "egress.h"
#include "overlay.h"
#include "proc.h"
#include "quic.h"
#include "room.h"
#include "wiremsg.h"

#define RELAYD_CONF		"/etc/relayd.conf"
#define RELAYD_SOCKET		"/run/relayd/relayd.sock"
#define RELAYD_USER		"_relayd"
#define RELAYD_CHROOT		"/var/empty/relayd"
#define RELAYD_RESET_SECRET	"/var/lib/relayd/reset.key"
#define RELAYD_PORT		443
#define RELAYD_MAX_LISTEN	16
#define RELAYD_RESET_SECRETLEN	32
#define RELAYD_RETRY_THRESHOLD	64	/* unvalidated handshakes */
#define RELAYD_MAX_PER_SOURCE	16	/* connections per address */
#define RELAYD_MAX_HANDSHAKES	256	/* handshakes in progress */
#define RELAYD_HS_PER_SOURCE	8	/* the same, per address */
#define RELAYD_VERSION		"0.1"
#define RELAYD_DEV_NAME		"softlan-relay"	/* dev-certificate CN */
#define RELAYD_DEV_DAYS		3650
#define RELAYD_PEM_MAX		(1024 * 1024)	/* certificate or key file */

/* One "listen on ADDRESS port N". */
struct listen_addr {
	TAILQ_ENTRY(listen_addr)	 entry;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen;
};
TAILQ_HEAD(listen_list, listen_addr);

/* One "room NAME { ... }" declaration. */
struct room_decl {
	TAILQ_ENTRY(room_decl)		 entry;
	char				 name[WIREMSG_ROOM_MAX + 1];
	char				 secret[WIREMSG_SECRET_MAX + 1];
	uint16_t			 mtu;		/* 0: relay's */
	uint32_t			 max_clients;	/* 0: relay's */
};
TAILQ_HEAD(room_decl_list, room_decl);

struct relayd_conf {
	struct listen_list	 listens;
	struct room_decl_list	 rooms;
	struct relay_conf	 rc;		/* limits and rates (room.h) */
	char			 certificate[PATH_MAX];
	char			 key[PATH_MAX];
	char			 dev_certificate[PATH_MAX];
	char			 reset_secret[PATH_MAX];
	char			 control[PATH_MAX];
	char			 user[LOGIN_NAME_MAX];
	uint32_t		 retry_threshold;
	uint32_t		 max_per_source;
	uint32_t		 max_handshakes;
	uint32_t		 hs_per_source;
};

/*
 * IMSG_RECONF_CONF payload: what the child needs of relayd_conf (the
 * whole struct, with its paths, is larger than one imsg).
 */
struct relayd_reconf {
	struct relay_conf	 rc;
	uint32_t		 retry_threshold;
	uint32_t		 max_per_source;
	uint32_t		 max_handshakes;
	uint32_t		 hs_per_source;
	uint32_t		 nlisten;	/* listen addresses configured */
};

/*
 * imsg between the parent and the "relay" child (continuing the
 * framework's types, proc.h), named as in every daemon: IMSG_RECONF_*
 * the configuration, IMSG_*_FD a descriptor, IMSG_REQ_* a request of the
 * child.  Parent -> child: the configuration at start and on every
 * reload, as a stream of IMSG_RECONF_* ending with IMSG_RECONF_END; the
 * listening sockets and the control socket as fds.  Child -> parent:
 * only what the parent's request table allows.
 */
enum relayd_imsg {
	IMSG_RECONF_CONF = IMSG_PROC_FIRST,	/* struct relayd_reconf */
	IMSG_RECONF_ROOM,		/* struct room_decl */
	IMSG_RECONF_CERT,		/* certificate bytes, chunked */
	IMSG_RECONF_KEY,		/* key bytes, chunked; wiped after use */
	IMSG_RECONF_RESET_SECRET,	/* RELAYD_RESET_SECRETLEN bytes */
	IMSG_RECONF_END,		/* empty */
	IMSG_LISTEN_FD,			/* struct listen_addr + UDP socket fd */
	IMSG_CONTROL_FD			/* control socket fd */
};

/*
 * The relay child's state (relay.c), which its control-socket requests
 * (control.c) read.
 */
struct rlisten {
	int			 fd;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[INET6_ADDRSTRLEN + 8];
	struct event		 ev;
};

struct rconn;

struct cid_node {
	RB_ENTRY(cid_node)	 entry;
	uint8_t			 cid[QUIC_MAX_CIDLEN];
	size_t			 len;
	struct rconn		*c;
};
RB_HEAD(cid_tree, cid_node);

/*
 * Connections per source: an IPv4 address, or an IPv6 /64 (one
 * subscriber's prefix: an attacker has as many addresses in it as it
 * likes).  The port does not count.
 */
struct src_node {
	RB_ENTRY(src_node)	 entry;
	int			 family;
	uint8_t			 addr[16];
	uint32_t		 n;		/* connections */
	uint32_t		 nhs;		/* of them in handshake */
};
RB_HEAD(src_tree, src_node);

struct rconn {
	TAILQ_ENTRY(rconn)	 entry;
	TAILQ_ENTRY(rconn)	 dirty_entry;
	TAILQ_ENTRY(rconn)	 hs_entry;	/* env->hsq, while in_hs */
	int			 in_hs;		/* handshake in progress */
	uint64_t		 born;		/* ns */
	int			 dirty;
	struct quic_conn	*qc;
	struct rlisten		*l;
	struct quic_path	 path;
	char			 addr[INET6_ADDRSTRLEN + 8];
	struct src_node		*src;
	struct peer		*peer;
	struct wiremsg_reader	*rd;		/* with the first stream data */
	int64_t			 sid;		/* -1: none yet */
	int			 handshake;	/* done, or validated */
	int			 linger;	/* close once flushed */
	uint64_t		 linger_until;	/* ns */
	uint64_t		 close_code;
	char			 close_reason[WIREMSG_REASON_MAX + 1];
	struct ovl_reasm	 reasm;		/* allocated at hello */
	struct ovl_tx		 tx;
	struct egress_stats	 eg;		/* frames to this peer */
	struct event		 ev_timer;
};
TAILQ_HEAD(rconn_list, rconn);

/* Relay-wide counters of the network layer (room.c has the rest). */
struct relay_stats {
	uint64_t	 udp_recv;
	uint64_t	 udp_sent;
	uint64_t	 udp_gso_sends;	/* messages of several packets */
	uint64_t	 udp_gro_reads;	/* buffers of several packets */
	uint64_t	 udp_gso_refused;	/* batches sent one by one */
	uint64_t	 udp_send_errors;
	uint64_t	 pkt_short;		/* < QUIC_MIN_PKTLEN bytes */
	uint64_t	 pkt_garbage;		/* no QUIC header */
	uint64_t	 pkt_version;		/* unsupported version */
	uint64_t	 pkt_not_initial;	/* long header, no conn */
	uint64_t	 conn_accepted;
	uint64_t	 conn_closed;
	uint64_t	 conn_refused_source;	/* max-per-source */
	uint64_t	 retry_sent;		/* retry-threshold */
	uint64_t	 retry_validated;	/* good token */
	uint64_t	 retry_bad_token;	/* dropped */
	uint64_t	 conn_refused_max;
	uint64_t	 hs_refused_full;	/* max-handshakes, none old */
	uint64_t	 hs_refused_source;	/* max-handshakes per-source */
	uint64_t	 hs_evicted;		/* oldest freed for a new one */
	uint64_t	 mem_trims;		/* malloc_trim() calls */
	uint64_t	 reset_sent;
	uint64_t	 reset_limited;
	uint64_t	 reset_short;
	uint64_t	 ctl_errors;		/* connections closed */
	uint64_t	 dgram_unadmitted;	/* datagram before welcome */
};

struct relay_env {
	struct proc		*p;
	int			 started;
	struct relayd_reconf	 conf;
	struct room_decl	*decls;
	size_t			 ndecls;
	uint8_t			*cert;
	size_t			 certlen;
	uint8_t			*key;
	size_t			 keylen;
	uint8_t			 secret[RELAYD_RESET_SECRETLEN];
	int			 have_secret;
	struct quic_tls		*tls;
	struct quic_config	 qcfg;
	struct relay		*relay;
	struct rlisten		 listens[RELAYD_MAX_LISTEN];
	size_t			 nlisten;
	int			 ctlfd;
	struct control		*ctl;
	struct rconn_list	 conns;
	struct rconn_list	 dirty;
	size_t			 nconns;
	size_t			 nhandshakes;	/* unvalidated ones */
	struct rconn_list	 hsq;		/* handshakes, oldest first */
	size_t			 nhsq;
	uint64_t		 freed;		/* connections since a trim */
	uint64_t		 trim_ms;
	int			 busy_logged;
	struct cid_tree		 cids;
	struct src_tree		 srcs;
	struct event		 ev_tick;
	uint64_t		 reset_tokens;	/* thousandths */
	uint64_t		 reset_last;	/* ms */
	uint64_t		 start_ns;
	time_t			 start_wall;
	struct relay_stats	 st;
	struct quic_stats	 qst_closed;	/* of freed connections */
	struct ovl_rx_stats	 rx_closed;
	struct ovl_tx_stats	 tx_closed;
	struct egress_stats	 eg_closed;
};

/* parse.y: NULL (errors already logged with file:line) on failure */
struct relayd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct relayd_conf *);
void			 config_defaults(struct relayd_conf *);

/* printconf.c */
void			 print_config(const struct relayd_conf *);

/* relay.c: the network child */
extern const int	 relay_syscalls[];
void			 relay_child_setup(struct proc *);
void			 relay_child_run(struct proc *);
void			 relay_child_dispatch(struct proc *, struct imsg *);

/* control.c: the relay child's answers on the control socket */
void			 relay_control(struct ctl_conn *, uint32_t,
			    const void *, size_t, void *);

#endif /* SOFTLAN_RELAYD_H */
